"""The persona record: who one simulated user is."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from simuser.errors import UserError

AttributeValue = str | int | float | bool


class Persona(BaseModel):
    """One segment of a population, e.g. ``name="novice"``, ``description="a retired nurse, not technical"``.

    ``weight`` is relative (weights need not sum to 1); ``attributes`` are free key/value facts
    (expertise, language, patience) that are rendered after the description, in the order written.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    weight: float = Field(1.0, gt=0)
    description: str = Field(min_length=1)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)


def validate_population(personas: Sequence[Persona], source: str = "population") -> list[Persona]:
    """A usable population: at least one persona, names unique (they key the report's breakdown)."""
    if not personas:
        raise UserError(f"{source}: no personas; write a YAML list of {{name, weight, description}} entries")
    names = [p.name for p in personas]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"{source}: persona name(s) {', '.join(duplicates)} used twice; give every persona its own name")
    return list(personas)
