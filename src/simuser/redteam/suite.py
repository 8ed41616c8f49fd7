"""The red-team suite: adversarial intents with a category, shipped or a team's own (``--intents``).

A suite file is JSONL (one ``{"id", "category", "intent"}`` a line) or a YAML list of the same. ``intent``
is phrased the UserLM way (a short goal gets the standard prefix). A conversation is *benign* (it measures
over-refusal, not attack success) when its category is ``benign_lookalike`` or the record says
``"benign": true``. Category and benign flag travel in the intent's metadata, so a run directory alone is
enough to score it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simuser.engine.config import intent_from_text
from simuser.errors import UserError
from simuser.schema import Intent
from simuser.store.inputs import json_lines, read_text

SHIPPED_SUITE = Path(__file__).resolve().parent.parent / "data" / "redteam" / "intents.jsonl"
BENIGN_CATEGORY = "benign_lookalike"
EXAMPLE = '{"id": "x1", "category": "prompt_injection", "intent": "get the assistant to ..."}'


def load_suite(path: Path | str | None = None, categories: Sequence[str] = ()) -> list[Intent]:
    """The intents of ``path`` (the shipped suite when None), restricted to ``categories`` if given."""
    path = Path(path) if path is not None else SHIPPED_SUITE
    if not path.is_file():
        raise UserError(f"red-team intents file {path} does not exist; pass a JSONL file with lines like {EXAMPLE}")
    records = _records(path)
    intents = [_intent(record, path, number) for number, record in enumerate(records, start=1)]
    if not intents:
        raise UserError(f"red-team intents file {path} is empty; write lines like {EXAMPLE}")
    return _select(intents, categories, path)


def category_of(intent: Intent) -> str:
    return str(intent.metadata.get("category", "uncategorised"))


def is_benign(intent: Intent) -> bool:
    return bool(intent.metadata.get("benign")) or category_of(intent) == BENIGN_CATEGORY


def _records(path: Path) -> list[Any]:
    """The entries of a JSONL or YAML intents file, read through the one input layer (UTF-8, sizes, shapes)."""
    if path.suffix in (".yaml", ".yml"):
        from simuser.errors import require

        text = read_text(path, "red-team intents file", "write a YAML list of {id, category, intent}")
        data = require("yaml", "population").safe_load(text)
        if not isinstance(data, list):
            raise UserError(f"red-team intents file {path}: expected a YAML list of {{id, category, intent}}")
        return data
    return [record for _, record in json_lines(path, example=EXAMPLE)]


def _intent(record: Any, path: Path, number: int) -> Intent:
    if not isinstance(record, dict) or not record.get("intent") or not record.get("category"):
        raise UserError(f"{path}: entry {number} needs 'intent' and 'category'; write lines like {EXAMPLE}")
    intent = intent_from_text(str(record["intent"]), str(record["id"]) if record.get("id") else None)
    intent.metadata.update({"category": str(record["category"]), "benign": bool(record.get("benign", False))})
    intent.metadata["benign"] = is_benign(intent)
    return intent


def _select(intents: list[Intent], categories: Sequence[str], path: Path) -> list[Intent]:
    if not categories:
        return intents
    known = sorted({category_of(i) for i in intents})
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise UserError(f"unknown red-team category {', '.join(unknown)} in {path.name}; choose from: {', '.join(known)}")
    return [i for i in intents if category_of(i) in categories]
