"""First-turn diversity: do simulated users open conversations as differently as people do?

``100 * (1 - mean pairwise unigram Jaccard)`` over the first user turns (lowercase word sets). Above
2,000 first turns a sample of 2,000 is drawn with the run seed, as in the paper. Higher is more diverse;
the paper reports humans 94.01, UserLM-8b 94.55, GPT-4o 74.42.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.metrics.text import mean_pairwise_jaccard, word_set
from simuser.schema import Conversation

MAX_FIRST_TURNS = 2000


class FirstTurnDiversity:
    name = "first_turn_diversity"
    title = "First-turn diversity"
    kind = "text"
    direction = "higher"
    unit = "%"

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        first_turns = [c.user_turns[0].content for c in conversations if c.user_turns]
        if len(first_turns) < 2:
            return NotComputed("needs at least two conversations with a user turn")
        sample = sample_texts(first_turns, MAX_FIRST_TURNS, context.seed)
        similarity = mean_pairwise_jaccard([word_set(t) for t in sample])
        return MetricResult(100.0 * (1.0 - similarity), details={"n_first_turns": len(sample)})


def sample_texts(texts: list[str], limit: int, seed: int) -> list[str]:
    """At most ``limit`` texts, drawn without replacement with ``seed`` (all of them, in order, if fewer)."""
    if len(texts) <= limit:
        return texts
    picks = np.random.default_rng(seed).choice(len(texts), size=limit, replace=False)
    return [texts[i] for i in sorted(picks)]
