"""User metrics per persona: the numbers a report shows for each segment of a population.

Per persona: conversations, mean user turns per conversation, mean words per user turn (whitespace
words, as the report's words-per-turn chart counts them) with a 95% interval over conversations
(normal approximation of each conversation's mean, which is honest about turns within a conversation
not being independent), end reasons, and, where replies were checked (a task run), the share solved.
Conversations without a persona are grouped under ``(none)``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from statistics import fmean, stdev
from typing import Any

from simuser.intervals import Z95
from simuser.schema import Conversation

NO_PERSONA = "(none)"


def persona_name(conversation: Conversation) -> str:
    persona = conversation.metadata.get("persona")
    return str(persona.get("name")) if isinstance(persona, dict) and persona.get("name") else NO_PERSONA


def persona_breakdown(conversations: Sequence[Conversation]) -> dict[str, dict[str, Any]]:
    """``{persona name: {conversations, user_turns_mean, words_per_turn_mean, words_per_turn_ci95, ...}}``;
    empty when no conversation carries a persona (nothing to break down)."""
    if not any(persona_name(c) != NO_PERSONA for c in conversations):
        return {}
    groups: dict[str, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        groups[persona_name(conversation)].append(conversation)
    return {name: segment_stats(group) for name, group in sorted(groups.items())}


def segment_stats(conversations: Sequence[Conversation]) -> dict[str, Any]:
    words = [len(t.content.split()) for c in conversations for t in c.user_turns]
    per_conversation = [fmean(len(t.content.split()) for t in c.user_turns) for c in conversations if c.user_turns]
    stats: dict[str, Any] = {
        "conversations": len(conversations),
        "user_turns_mean": round(fmean(len(c.user_turns) for c in conversations), 4),
        "words_per_turn_mean": round(fmean(words), 4) if words else None,
        "words_per_turn_ci95": mean_interval(per_conversation),
        "end_reasons": dict(sorted(Counter(c.end_reason.value if c.end_reason else "unfinished" for c in conversations).items())),
    }
    solved = [s for s in (conversation_solved(c) for c in conversations) if s is not None]
    if solved:
        stats["solved_share"] = round(sum(solved) / len(solved), 4)
        stats["solved_checked"] = len(solved)
    return stats


def mean_interval(values: Sequence[float]) -> list[float] | None:
    """95% normal interval of the mean, or None with fewer than two values."""
    if len(values) < 2:
        return None
    half = Z95 * stdev(values) / math.sqrt(len(values))
    mean = fmean(values)
    return [round(mean - half, 4), round(mean + half, 4)]


def conversation_solved(conversation: Conversation) -> bool | None:
    """True/False where replies were checked (a task run), None where nothing was checked.

    Reads what the task checks record: end reason ``task_solved``, or a ``check`` record with ``passed``
    on an assistant message's metadata.
    """
    if conversation.end_reason is not None and conversation.end_reason.value == "task_solved":
        return True
    checks = [m.metadata["check"] for m in conversation.assistant_turns if isinstance(m.metadata.get("check"), dict)]
    if not checks:
        return None
    return any(check.get("passed") is True for check in checks)
