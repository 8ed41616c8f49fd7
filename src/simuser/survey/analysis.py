"""Answers out of survey conversations, and per-item distributions per segment with intervals.

One row per (respondent, item): the answer text (the user turn after the item was asked; empty when the
respondent left first), the mapped value and whether it mapped. Per item and segment (persona): respondents
who answered, the unmapped share, and for closed items each value's count and share with a 95% Wilson
interval (shares of the mapped answers), plus the mean Likert value with a 95% normal interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import fmean, stdev
from typing import Any

from simuser.intervals import Z95, wilson_interval
from simuser.population import persona_name
from simuser.schema import Conversation
from simuser.survey.mapping import map_answer
from simuser.survey.questionnaire import Questionnaire


@dataclass
class Answer:
    respondent: str
    persona: str
    item: str
    type: str
    answer: str
    value: int | str | None
    mapped: bool
    mapped_by: str | None = None  # "rule", "judge" (only for what the rule left unmapped), or None


def answers_of(conversation: Conversation, questionnaire: Questionnaire) -> list[Answer]:
    """One :class:`Answer` per item, in questionnaire order."""
    texts: dict[str, str] = {}
    messages = conversation.messages
    for i, message in enumerate(messages):
        item_id = message.metadata.get("survey_item") if message.role == "assistant" else None
        if item_id and i + 1 < len(messages) and messages[i + 1].role == "user":
            texts[item_id] = messages[i + 1].content
    respondent = f"{conversation.intent.id}#{conversation.sample_index}"
    rows = []
    for item in questionnaire.items:
        text = texts.get(item.id, "")
        value = map_answer(item, text) if text else None
        rows.append(Answer(respondent, persona_name(conversation), item.id, item.type, text, value, value is not None,
                           "rule" if value is not None else None))
    return rows


def distributions(answers: Sequence[Answer], questionnaire: Questionnaire) -> dict[str, dict[str, Any]]:
    """``{item id: {segment: stats}}``; segment ``all`` pools every persona."""
    by_key: dict[tuple[str, str], list[Answer]] = defaultdict(list)
    for answer in answers:
        by_key[(answer.item, answer.persona)].append(answer)
        by_key[(answer.item, "all")].append(answer)
    result: dict[str, dict[str, Any]] = {}
    for item in questionnaire.items:
        segments = sorted({a.persona for a in answers if a.item == item.id}) + ["all"]
        result[item.id] = {s: segment_stats(item, by_key[(item.id, s)]) for s in segments if by_key[(item.id, s)]}
    return result


def segment_stats(item, answers: Sequence[Answer]) -> dict[str, Any]:
    answered = [a for a in answers if a.answer]
    stats: dict[str, Any] = {"respondents": len(answers), "answered": len(answered)}
    if item.type == "open":
        return stats
    mapped = [a.value for a in answered if a.mapped]
    unmapped = len(answered) - len(mapped)
    stats["unmapped"] = _share(unmapped, len(answered))
    values = list(range(1, len(item.labels) + 1)) if item.type == "likert" else item.labels
    stats["values"] = {str(v): _share(mapped.count(v), len(mapped)) for v in values}
    numbers = [v for v in mapped if isinstance(v, int)]
    if item.type == "likert" and numbers:
        stats["mean"] = round(fmean(numbers), 4)
        if len(numbers) > 1:
            half = Z95 * stdev(numbers) / len(numbers) ** 0.5
            stats["mean_ci95"] = [round(stats["mean"] - half, 4), round(stats["mean"] + half, 4)]
    return stats


def _share(count: int, n: int) -> dict[str, Any]:
    interval = wilson_interval(count, n)
    return {"count": count, "n": n, "share": round(count / n, 4) if n else None,
            "ci95": [round(interval[0], 4), round(interval[1], 4)] if interval else None}


def answer_rows(answers: Sequence[Answer]) -> list[dict[str, Any]]:
    return [asdict(a) for a in answers]
