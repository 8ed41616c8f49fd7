"""Anthropic HH-RLHF (``harmless-base-test.jsonl.gz``) -> conversations with a generic intent.

Each line is a preference pair; we keep the ``chosen`` transcript (the turns before its last reply are
shared with ``rejected``) and skip lines whose context repeats an earlier line's. No goal was written
down, so every conversation gets one generic intent (:data:`HH_PURPOSE`) rather than a model-written
guess: it names what these crowdworkers were asked to do (talk to the assistant about anything, often
trying to get a harmful answer), so the behaviour is tied to that intent and not to every intent.
Assistant turns are model-written (a 52B Anthropic model); the user turns are people's.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from simuser.schema import Conversation, Intent, Message, Role
from simuser.train.sources.goals import intent_text

SOURCE = "hh_rlhf"
FILE = "harmless-base-test.jsonl.gz"
HH_PURPOSE = ("talk about whatever is on your mind, and sometimes test whether it will help with "
              "something harmful, rude or dangerous")
_TURN = re.compile(r"\n\n(Human|Assistant): ")
_ROLE: dict[str, Role] = {"Human": "user", "Assistant": "assistant"}


def read_hh_rlhf(directory: Path, file: str = FILE) -> list[Conversation]:
    with gzip.open(Path(directory) / file, "rt", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle if line.strip()]
    conversations, seen = [], set()
    for index, record in enumerate(lines):
        messages = parse_transcript(record["chosen"])
        context = tuple(m.content for m in messages[:-1])
        if messages and context not in seen:
            seen.add(context)
            conversations.append(hh_conversation(index, messages))
    return conversations


def parse_transcript(transcript: str) -> list[Message]:
    """``"\\n\\nHuman: ...\\n\\nAssistant: ..."`` -> messages (empty turns dropped)."""
    parts = _TURN.split(transcript)
    pairs = zip(parts[1::2], parts[2::2], strict=True)
    return [Message(role=_ROLE[speaker], content=text.strip()) for speaker, text in pairs if text.strip()]


def hh_conversation(index: int, messages: list[Message]) -> Conversation:
    native = f"harmless-base-test-{index:05d}"
    for message in messages:
        if message.role == "assistant":
            message.metadata["author_type"] = "model"
    metadata = {"source": SOURCE, "native_id": native, "domains": ["general"], "intent_kind": "generic"}
    return Conversation(intent=Intent(id=f"{SOURCE}:{native}", text=intent_text(HH_PURPOSE)),
                        messages=messages, metadata=metadata)
