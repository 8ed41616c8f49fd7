"""Reading intents files: plain text (one goal per line) or JSONL (``{"id", "intent", "metadata"}``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simuser.engine.config import intent_from_text
from simuser.errors import UserError
from simuser.schema import Intent
from simuser.store.inputs import MAX_INTENT_CHARS, check_file, json_lines, text_lines, validation_line


def load_intents(path: Path | str) -> list[Intent]:
    """Goals from a .txt (one per line, ``#`` comments) or .jsonl file, every line checked."""
    path = Path(path)
    check_file(path, "intents file", "pass a .txt (one goal per line) or .jsonl file")
    if path.suffix == ".jsonl":
        intents = [_intent_from_json(record, path, number) for number, record in json_lines(path, example=_EXAMPLE)]
    else:
        intents = [_intent_from_text(line.strip(), path, number)
                   for number, line in text_lines(path) if not line.startswith("#")]
    if not intents:
        raise UserError(f"intents file {path} is empty; write one goal per line, e.g. 'plan a trip to Rome'")
    return intents


_EXAMPLE = '{"intent": "plan a trip to Rome"}'


def _intent_from_text(text: str, path: Path, number: int, intent_id: str | None = None) -> Intent:
    if len(text) > MAX_INTENT_CHARS:
        raise UserError(f"{path}:{number}: goal of {len(text)} characters, over the {MAX_INTENT_CHARS} limit; shorten it")
    return intent_from_text(text, intent_id)


def _intent_from_json(record: dict[str, Any], path: Path, number: int) -> Intent:
    text = record.get("intent") or record.get("text")
    if isinstance(text, dict):
        try:
            intent = Intent.model_validate(text)
        except ValidationError as exc:
            raise validation_line(exc, path, number, "intent") from None
        _intent_from_text(intent.text, path, number)  # the same length limit
        return intent
    if not isinstance(text, str) or not text.strip():
        raise UserError(f"{path}:{number}: 'intent' (or 'text') must be a non-empty string; one object per line like {_EXAMPLE}")
    metadata = record.get("metadata", {})
    if not isinstance(metadata, dict):
        raise UserError(f"{path}:{number}: 'metadata' must be an object, got {type(metadata).__name__}")
    raw_id = record.get("id")
    if raw_id is not None and not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
        raise UserError(f"{path}:{number}: 'id' must be a string or an integer, got {type(raw_id).__name__}")
    intent = _intent_from_text(text, path, number, None if raw_id is None else str(raw_id))
    intent.metadata.update(metadata)
    return intent
