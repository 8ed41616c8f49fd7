"""Lexical diversity across simulations: do several conversations from one intent say different things?

For each intent with two or more conversations: ``1 - mean pairwise unigram Jaccard`` between the
conversations' whole user text (all user turns joined); the metric is the mean over those intents, on a
0-1 scale (the paper's "unigram difference": UserLM-8b 0.71, GPT-4o 0.40). Higher is more diverse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.metrics.text import mean_pairwise_jaccard, word_set
from simuser.schema import Conversation


class LexicalDiversity:
    name = "lexical_diversity"
    title = "Lexical diversity across simulations"
    kind = "text"
    direction = "higher"
    unit = ""

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        groups = user_texts_by_intent(conversations)
        repeated = {intent: texts for intent, texts in groups.items() if len(texts) >= 2}
        if not repeated:
            return NotComputed("no intent has two or more conversations (simulate with -n 2 or more)")
        differences = [1.0 - mean_pairwise_jaccard([word_set(t) for t in texts]) for texts in repeated.values()]
        return MetricResult(sum(differences) / len(differences), details={"n_intents": len(repeated)})


def user_texts_by_intent(conversations: Sequence[Conversation]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for conversation in conversations:
        if conversation.user_turns and conversation.intent.text.strip():
            groups[conversation.intent.id].append("\n".join(m.content for m in conversation.user_turns))
    return groups
