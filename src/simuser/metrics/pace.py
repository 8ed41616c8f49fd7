"""Pace: how long simulated users keep going and how much they type per turn, next to people.

Headline value: mean user turns per conversation. Sub-values: the variance (population) and range of user
turns per conversation, mean words (whitespace-separated) per user turn, and the share of conversations the
user ended, counted over conversations that record an end reason (absent when none does, as in the human
reference, whose rows stop at a task turn). "Closer to the reference" is better.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.schema import Conversation, EndReason


class Pace:
    name = "pace"
    title = "User turns per conversation"
    kind = "text"
    direction = "closer"
    unit = ""

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        turns = np.array([len(c.user_turns) for c in conversations if c.user_turns], dtype=float)
        if turns.size == 0:
            return NotComputed("no conversation has a user turn")
        words = np.array([len(m.content.split()) for c in conversations for m in c.user_turns], dtype=float)
        values = {
            "user_turns_variance": float(turns.var()),
            "user_turns_min": float(turns.min()),
            "user_turns_max": float(turns.max()),
            "words_per_turn_mean": float(words.mean()),
        }
        ended = user_ended_share(conversations)
        if ended is not None:
            values["user_ended_percent"] = ended
        return MetricResult(float(turns.mean()), values, {"n_conversations": int(turns.size)})


def user_ended_share(conversations: Sequence[Conversation]) -> float | None:
    """Percent of conversations with a recorded end reason that the user ended; None if none records one."""
    finished = [c for c in conversations if c.end_reason is not None]
    if not finished:
        return None
    return 100.0 * sum(c.end_reason == EndReason.USER_ENDED for c in finished) / len(finished)
