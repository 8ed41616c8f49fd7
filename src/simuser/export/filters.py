"""Which conversations an export keeps: ``--where``, ``--solved-only``, ``--min-turns``, ``--persona``.

``--where KEY=VALUE`` compares a field of the conversation's JSON record (dotted paths reach inside:
``end_reason=user_ended``, ``simulator.name=userlm``, ``metadata.persona.name=novice``) with VALUE as text.
``--solved-only`` keeps conversations a task check marked solved (end reason ``task_solved``, or a
``check`` with ``passed: true`` on an assistant reply); in a run without checks it keeps everything and
says so, rather than failing or emptying the export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from simuser.errors import UserError
from simuser.population.breakdown import conversation_solved, persona_name
from simuser.schema import Conversation


@dataclass
class ExportFilters:
    where: dict[str, str] = field(default_factory=dict)
    solved_only: bool = False
    min_turns: int = 0  # user turns
    personas: list[str] = field(default_factory=list)

    @classmethod
    def parse_where(cls, pairs: Sequence[str]) -> dict[str, str]:
        where = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise UserError(f"--where {pair!r}: write KEY=VALUE, e.g. --where end_reason=user_ended")
            where[key.strip()] = value.strip()
        return where


@dataclass
class FilterReport:
    kept: int
    dropped: dict[str, int]
    notes: list[str]


def apply_filters(conversations: Sequence[Conversation], filters: ExportFilters) -> tuple[list[Conversation], FilterReport]:
    """The conversations ``filters`` keep, and how many each filter dropped (in the order applied)."""
    kept = list(conversations)
    dropped: dict[str, int] = {}
    notes: list[str] = []
    for name, keep in _predicates(filters, kept, notes):
        before = len(kept)
        kept = [c for c in kept if keep(c)]
        dropped[name] = before - len(kept)
    return kept, FilterReport(len(kept), dropped, notes)


def _predicates(filters: ExportFilters, conversations: list[Conversation], notes: list[str]):
    for key, value in filters.where.items():
        yield f"where {key}={value}", lambda c, k=key, v=value: _text(field_value(c, k)) == v
    if filters.solved_only:
        if any(conversation_solved(c) is not None for c in conversations):
            yield "solved-only", lambda c: conversation_solved(c) is True
        else:
            notes.append("--solved-only: no reply in this run was checked (not a task run); nothing dropped")
    if filters.min_turns:
        yield f"min-turns {filters.min_turns}", lambda c: len(c.user_turns) >= filters.min_turns
    if filters.personas:
        yield f"persona {','.join(filters.personas)}", lambda c: persona_name(c) in filters.personas


def field_value(conversation: Conversation, dotted: str) -> Any:
    value: Any = conversation.model_dump(mode="json")
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)
