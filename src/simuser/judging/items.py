"""Judging inputs: a conversation so far and two or more candidate replies, one JSON object a line.

``{"id": "q1", "intent": "...", "messages": [{"role": "user", "content": "..."}], "candidates": ["reply A",
{"id": "B", "content": "reply B"}]}``. ``messages`` must end with the user message the candidates answer;
``intent`` is optional (default: :data:`DEFAULT_INTENT`); plain-string candidates are named A, B, C, ...
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simuser.errors import UserError
from simuser.schema import Intent, Message, normalize_intent_text

DEFAULT_INTENT = normalize_intent_text("get help with the request in your first message")
EXAMPLE = '{"id": "q1", "messages": [{"role": "user", "content": "..."}], "candidates": ["reply A", "reply B"]}'


@dataclass(frozen=True)
class Candidate:
    id: str
    content: str


@dataclass(frozen=True)
class JudgeItem:
    id: str
    intent: Intent
    messages: tuple[Message, ...]
    candidates: tuple[Candidate, ...]


def load_items(path: Path | str) -> list[JudgeItem]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"candidates file {path} does not exist; write JSONL lines like {EXAMPLE}")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            items.append(parse_item(_json(line, path, number), f"{path}:{number}"))
    if not items:
        raise UserError(f"candidates file {path} is empty; write JSONL lines like {EXAMPLE}")
    return items


def _json(line: str, path: Path, number: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        raise UserError(f"{path}:{number}: not valid JSON; write lines like {EXAMPLE}") from None


def parse_item(record: Any, where: str) -> JudgeItem:
    if not isinstance(record, dict):
        raise UserError(f"{where}: expected an object like {EXAMPLE}")
    messages = record.get("messages") or []
    if not messages or not isinstance(messages, list) or messages[-1].get("role") != "user":
        raise UserError(f"{where}: 'messages' must end with the user message the candidates answer")
    candidates = [_candidate(c, i, where) for i, c in enumerate(record.get("candidates") or [])]
    if len(candidates) < 2:
        raise UserError(f"{where}: give at least two 'candidates' to compare")
    item_id = str(record.get("id") or where)
    intent = Intent(id=item_id, text=normalize_intent_text(record["intent"]) if record.get("intent") else DEFAULT_INTENT)
    history = tuple(Message(role=m["role"], content=m.get("content", "")) for m in messages if m.get("role") in ("user", "assistant"))
    return JudgeItem(item_id, intent, history, tuple(candidates))


def _candidate(raw: Any, index: int, where: str) -> Candidate:
    if isinstance(raw, str):
        return Candidate(string.ascii_uppercase[index % 26], raw)
    if isinstance(raw, dict) and isinstance(raw.get("content"), str):
        return Candidate(str(raw.get("id") or string.ascii_uppercase[index % 26]), raw["content"])
    raise UserError(f"{where}: candidate {index + 1} must be a string or {{\"id\", \"content\"}}")
