"""Apply the tool checks to a finished run: each intent's ``expected_state`` and ``expected_calls``.

    python examples/agents/check_run.py runs/shop

(With task files, the same checks run during the run: ``{"check": {"type": "tool_state", ...}}``.)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from simuser.schema import Conversation
from simuser.store import read_conversations
from simuser.tasks.checks.tools import ToolCalledCheck, ToolStateCheck


@dataclass
class Context:
    conversation: Conversation
    reply: str = ""
    task: object = None


def checks_for(conversation: Conversation) -> list:
    metadata = conversation.intent.metadata
    checks = [ToolCalledCheck(**call) for call in metadata.get("expected_calls", [])]
    if "expected_state" in metadata:
        checks.append(ToolStateCheck(expected=metadata["expected_state"]))
    return checks


def main(run: str) -> None:
    for conversation in read_conversations(run):
        for check in checks_for(conversation):
            result = check.check(Context(conversation))
            mark = "PASS" if result.passed else "FAIL"
            print(f"{mark} {conversation.intent.id} #{conversation.sample_index} "
                  f"[{conversation.end_reason}] {result.reason}")


if __name__ == "__main__":
    main(sys.argv[1])
