"""Naturalness: how human the simulator's opening turns read to an AI-text detector.

The metric is the detector's mean P(human-written) over first user turns (at most 2,000, sampled with
the run seed), in percent; higher is better. The detector is pluggable (see
:mod:`simuser.metrics.naturalness_detectors`): the paper used Pangram; the offline default is a
user-versus-assistant text classifier trained on the reference's development part.
"""

from __future__ import annotations

from collections.abc import Sequence

from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.metrics.first_turn_diversity import MAX_FIRST_TURNS, sample_texts
from simuser.schema import Conversation


class Naturalness:
    name = "naturalness"
    title = "Naturalness (P human-like, first turns)"
    kind = "detector"
    direction = "higher"
    unit = "%"

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        if context.detector is None:
            return NotComputed("no naturalness detector (pass --detector offline or --detector pangram)")
        first_turns = [c.user_turns[0].content for c in conversations if c.user_turns]
        if not first_turns:
            return NotComputed("no conversation has a user turn")
        sample = sample_texts(first_turns, MAX_FIRST_TURNS, context.seed)
        scores = context.detector.p_human(sample)
        details = {"detector": context.detector.name, "n_first_turns": len(sample)}
        return MetricResult(100.0 * sum(scores) / len(scores), details=details)
