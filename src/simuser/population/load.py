"""Reading a population file: a YAML list of personas, or JSONL (one persona object per line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simuser.errors import UserError
from simuser.population.persona import Persona, validate_population

EXAMPLE = "- {name: terse, weight: 1, description: 'writes very short messages'}"


def load_population(path: Path | str) -> list[Persona]:
    """The personas in ``path`` (``.jsonl``: one object a line; anything else: a YAML list)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"population file {path} does not exist; pass a YAML list of personas like: {EXAMPLE}")
    text = path.read_text(encoding="utf-8")
    records = _jsonl_records(text, path) if path.suffix == ".jsonl" else _yaml_records(text, path)
    return validate_population([_persona(r, path, i) for i, r in enumerate(records, start=1)], str(path))


def _yaml_records(text: str, path: Path) -> list[Any]:
    from simuser.errors import require

    yaml = require("yaml", "population")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError(f"population file {path}: not valid YAML ({str(exc).splitlines()[0]}); write a list like: {EXAMPLE}") from None
    if isinstance(data, dict) and "personas" in data:
        data = data["personas"]
    if not isinstance(data, list):
        raise UserError(f"population file {path}: expected a YAML list of personas like: {EXAMPLE}")
    return data


def _jsonl_records(text: str, path: Path) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise UserError(f"{path}:{number}: not valid JSON; one persona object per line") from None
    return records


def _persona(record: Any, path: Path, index: int) -> Persona:
    if not isinstance(record, dict):
        raise UserError(f"population file {path}: persona {index} is not a mapping; write it like: {EXAMPLE}")
    try:
        return Persona.model_validate(record)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "persona"
        raise UserError(f"population file {path}: persona {index} ({record.get('name', '?')}): {field}: {error['msg']}") from None
