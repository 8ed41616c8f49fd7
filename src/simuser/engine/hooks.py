"""The per-reply hook: something outside the engine looks at every assistant reply as it arrives.

The engine knows nothing about tasks or checks. It calls a :class:`ReplyHook` once per step with the
conversations that just received an assistant reply (their last message is that reply), and gets back one
:class:`ReplyVerdict` (or ``None``: nothing to record) per conversation, in order. The engine stores
``verdict.record`` in the reply's metadata under ``"check"``, and when ``verdict.solved`` and the run's
``stop_when_solved`` are both true it ends the conversation with ``task_solved`` (the rule of "LLMs Get
Lost in Multi-Turn Conversation": stop at the first reply that solves the task).

A hook that raises marks every reply of that step with ``{"error": ...}`` and the run goes on; a
:class:`~simuser.errors.UserError` still stops the run (it is something the user must fix).

Example, a hook that is satisfied as soon as the assistant says "42"::

    class FortyTwo:
        async def check_replies(self, conversations):
            return [ReplyVerdict("42" in c.messages[-1].content, {"passed": "42" in c.messages[-1].content})
                    for c in conversations]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from simuser.schema import Conversation


@dataclass(frozen=True)
class ReplyVerdict:
    solved: bool
    record: dict[str, Any] = field(default_factory=dict)  # stored as the reply's metadata["check"]


@runtime_checkable
class ReplyHook(Protocol):
    async def check_replies(self, conversations: Sequence[Conversation]) -> list[ReplyVerdict | None]:
        """One verdict (or None) per conversation, same order; each ends with the reply to look at."""
        ...
