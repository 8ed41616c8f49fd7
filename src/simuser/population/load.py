"""Reading a population file: a YAML list of personas, or JSONL (one persona object per line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simuser.errors import UserError
from simuser.population.persona import Persona, validate_population
from simuser.store.inputs import json_lines, read_text

EXAMPLE = "- {name: terse, weight: 1, description: 'writes very short messages'}"


def load_population(path: Path | str) -> list[Persona]:
    """The personas in ``path`` (``.jsonl``: one object a line; anything else: a YAML list)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"population file {path} does not exist; pass a YAML list of personas like: {EXAMPLE}")
    if path.suffix == ".jsonl":
        records: list[Any] = [record for _, record in json_lines(path, example="{\"name\": \"terse\", \"weight\": 1}")]
    else:
        records = _yaml_records(read_text(path, "population file", f"write a YAML list of personas like: {EXAMPLE}"), path)
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


def _persona(record: Any, path: Path, index: int) -> Persona:
    if not isinstance(record, dict):
        raise UserError(f"population file {path}: persona {index} is not a mapping; write it like: {EXAMPLE}")
    try:
        return Persona.model_validate(record)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "persona"
        raise UserError(f"population file {path}: persona {index} ({record.get('name', '?')}): {field}: {error['msg']}") from None
