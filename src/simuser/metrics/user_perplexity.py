"""Perplexity on real user turns: how well a model predicts what people actually typed.

This metric is a thin adapter around :func:`simuser.metrics.perplexity.perplexity_of_model` (the
training side owns the token-level computation). It scores the human reference's *test* conversations,
once with the intent as context and once without, for the model given by ``--perplexity-model`` (a local
transformers model or a path). Lower is better. Paper, PRISM with intent: UserLM-8b 7.42,
Llama3-8b-Instruct 36.29. The headline value is the perplexity with the intent; ``.without_intent`` sits
beside it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.schema import Conversation


class UserPerplexity:
    name = "perplexity"
    title = "Perplexity on real user turns"
    kind = "model"
    direction = "lower"
    unit = ""

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        if not context.perplexity_model:
            return NotComputed("no model given (pass --perplexity-model NAME_OR_PATH of a local transformers model)")
        compute = _perplexity_function()
        if compute is None:
            return NotComputed("simuser.metrics.perplexity.perplexity_of_model is not available in this install")
        real = _real_conversations(context)
        with_intent = compute(context.perplexity_model, real, with_intent=True)
        without_intent = compute(context.perplexity_model, real, with_intent=False)
        details = {"model": context.perplexity_model, "n_conversations": len(real),
                   "scored_tokens": getattr(with_intent, "tokens", None), "scored_turns": getattr(with_intent, "turns", None)}
        return MetricResult(float(with_intent), {"without_intent": float(without_intent)}, details)


def _perplexity_function():
    try:
        module = importlib.import_module("simuser.metrics.perplexity")
    except ModuleNotFoundError as exc:
        if exc.name == "simuser.metrics.perplexity":
            return None
        raise
    return getattr(module, "perplexity_of_model", None)


def _real_conversations(context: MetricContext) -> Sequence[Conversation]:
    provided = context.options.get("perplexity_conversations")
    if provided is not None:
        return provided
    from simuser.metrics.reference import load_reference

    return load_reference("test")
