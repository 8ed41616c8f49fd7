"""Lexical diversity across simulations: do several conversations from one intent say different things?

For each intent with two or more conversations (grouped by intent *text*: plain chat JSONL rarely
shares ids): ``1 - mean pairwise unigram Jaccard`` between the conversations' user vocabularies (the
words of all their user turns); the metric is the mean over those intents, on a 0-1 scale (the paper's
"unigram difference": UserLM-8b 0.71, GPT-4o 0.40). Higher is more diverse.
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
        groups = user_words_by_intent(conversations)
        repeated = [sets for sets in groups.values() if len(sets) >= 2]
        if not repeated:
            return NotComputed("no intent has two or more conversations (simulate with -n 2 or more)")
        differences = [1.0 - mean_pairwise_jaccard(sets) for sets in repeated]
        return MetricResult(sum(differences) / len(differences), details={"n_intents": len(repeated)})


def user_words_by_intent(conversations: Sequence[Conversation]) -> dict[str, list[frozenset[str]]]:
    """Per intent text, each conversation's user vocabulary (the union of its user turns' words)."""
    groups: dict[str, list[frozenset[str]]] = defaultdict(list)
    for conversation in conversations:
        intent = " ".join(conversation.intent.text.split())
        if conversation.user_turns and intent:
            groups[intent].append(frozenset().union(*(word_set(m.content) for m in conversation.user_turns)))
    return groups
