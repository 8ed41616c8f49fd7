"""Reading intents files: plain text (one goal per line) or JSONL (``{"id", "intent", "metadata"}``)."""

from __future__ import annotations

import json
from pathlib import Path

from simuser.engine.config import intent_from_text
from simuser.errors import UserError
from simuser.schema import Intent


def load_intents(path: Path | str) -> list[Intent]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"intents file {path} does not exist; pass a .txt (one goal per line) or .jsonl file")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise UserError(f"intents file {path} is empty; write one goal per line, e.g. 'plan a trip to Rome'")
    if path.suffix == ".jsonl":
        return [_intent_from_json(line, path, number) for number, line in enumerate(lines, start=1)]
    return [intent_from_text(line.strip()) for line in lines]


def _intent_from_json(line: str, path: Path, number: int) -> Intent:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        raise UserError(f"{path}:{number}: not valid JSON; one object per line like {{\"intent\": \"...\"}}") from None
    text = record.get("intent") or record.get("text") if isinstance(record, dict) else None
    if isinstance(text, dict):
        return Intent.model_validate(text)
    if not text:
        raise UserError(f"{path}:{number}: missing 'intent' (or 'text'); one object per line like {{\"intent\": \"...\"}}")
    intent = intent_from_text(text, str(record["id"]) if "id" in record else None)
    intent.metadata.update(record.get("metadata", {}))
    return intent
