"""ShareGPT-style logs (``{"conversations": [{"from": "human", "value": ...}, ...]}``) -> conversations.

Many exported chat logs use this shape (one JSON list or JSON lines). OpenAI-style ``{"messages":
[{"role", "content"}]}`` logs need no reader: ``simuser.store.read_conversations`` takes them as they are.
Speakers map to roles by name (``human``/``user`` -> user; ``gpt``/``assistant``/``chatgpt``/``bing``/
``bard``/``model`` -> assistant; ``system`` -> the intent when the record has none). A record without an
intent gets an empty one: write intents with ``simuser intents`` before flipping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simuser.errors import UserError
from simuser.schema import Conversation, Intent, Message, Role

SOURCE = "sharegpt"
USER_NAMES = frozenset({"human", "user"})
ASSISTANT_NAMES = frozenset({"gpt", "assistant", "chatgpt", "bing", "bard", "model"})


def read_sharegpt(path: Path) -> list[Conversation]:
    """Every record of a ShareGPT JSON list or JSONL file, in file order."""
    text = Path(path).read_text(encoding="utf-8")
    stripped = text.lstrip()
    records = json.loads(text) if stripped.startswith("[") else [json.loads(line) for line in text.splitlines() if line.strip()]
    return [sharegpt_conversation(record, index, path) for index, record in enumerate(records)]


def sharegpt_conversation(record: dict[str, Any], index: int = 0, path: Path | str = "") -> Conversation:
    turns = record.get("conversations")
    if not isinstance(turns, list):
        raise UserError(f"{path}: record {index + 1} has no 'conversations' list; expected ShareGPT format")
    system = [t.get("value", "") for t in turns if t.get("from") == "system"]
    messages = [Message(role=_role(t, index, path), content=(t.get("value") or "").strip())
                for t in turns if t.get("from") != "system"]
    cid = str(record.get("id") or f"{SOURCE}-{index:06d}")
    intent = record.get("intent") or (system[0].strip() if system else "")
    return Conversation(intent=Intent(id=cid, text=intent), messages=messages, metadata={"source": SOURCE})


def _role(turn: dict[str, Any], index: int, path: Path | str) -> Role:
    speaker = str(turn.get("from", "")).lower()
    if speaker in USER_NAMES:
        return "user"
    if speaker in ASSISTANT_NAMES:
        return "assistant"
    raise UserError(f"{path}: record {index + 1} has a turn from '{speaker}'; expected one of: "
                    f"{', '.join(sorted(USER_NAMES | ASSISTANT_NAMES | {'system'}))}")
