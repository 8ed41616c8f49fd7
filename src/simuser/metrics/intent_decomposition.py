"""Intent decomposition: does the simulator reveal its goal bit by bit, or paste the intent into a turn?

For each user turn: the share of its distinct content words (stopwords removed) that also occur in the
intent, with the standard "You are a user chatting with an assistant language model to" prefix removed
from the intent. The metric is the mean over all user turns of all conversations (turns with no content
word are skipped), in percent. Lower is better: people decompose. Paper: humans 1.68, UserLM-8b 2.69,
GPT-4o 7.68.
"""

from __future__ import annotations

from collections.abc import Sequence

from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.metrics.text import content_words, strip_intent_prefix
from simuser.schema import Conversation


class IntentDecomposition:
    name = "intent_decomposition"
    title = "Intent decomposition (overlap with intent)"
    kind = "text"
    direction = "lower"
    unit = "%"

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        with_intent = [c for c in conversations if c.intent.text.strip()]
        if not with_intent:
            return NotComputed("the conversations have no intents")
        shares = [share for c in with_intent for share in turn_overlaps(c)]
        if not shares:
            return NotComputed("no user turn has a content word")
        return MetricResult(100.0 * sum(shares) / len(shares), details={"n_turns": len(shares)})


def turn_overlaps(conversation: Conversation) -> list[float]:
    """Per user turn: |content words of the turn that are in the intent| / |content words of the turn|."""
    intent_words = content_words(strip_intent_prefix(conversation.intent.text))
    overlaps = []
    for turn in conversation.user_turns:
        words = content_words(turn.content)
        if words:
            overlaps.append(len(words & intent_words) / len(words))
    return overlaps
