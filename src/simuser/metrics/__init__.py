"""Realism metrics: how human a user simulator behaves, next to a human reference.

Every metric is its own module here and implements :class:`~simuser.metrics.base.Metric`; the registry
:data:`metrics` names them (third parties add more under the ``simuser.metrics`` entry point).

- text metrics (from conversations alone, fast): first-turn diversity, intent decomposition, lexical
  diversity across simulations, pace -> :func:`compute_text_metrics`;
- naturalness (a pluggable detector: offline classifier or Pangram);
- probe metrics (run a simulator on probe states): termination F1, role adherence, intent adherence;
- perplexity on real user turns (a local model's token log-probabilities).

:func:`evaluate_run` computes them for a run or chat JSONL together with the human reference
(:func:`load_reference`); :mod:`simuser.report` turns the result into report.json and report.html.
Nothing here imports numpy-heavy or model code until a metric runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simuser.metrics.base import Metric, MetricContext, MetricResult, NotComputed
from simuser.registry import Registry

metrics: Registry[Metric] = Registry(
    "metric",
    "simuser.metrics",
    {
        "first_turn_diversity": "simuser.metrics.first_turn_diversity:FirstTurnDiversity",
        "intent_decomposition": "simuser.metrics.intent_decomposition:IntentDecomposition",
        "lexical_diversity": "simuser.metrics.lexical_diversity:LexicalDiversity",
        "pace": "simuser.metrics.pace:Pace",
        "naturalness": "simuser.metrics.naturalness:Naturalness",
        "termination_f1": "simuser.metrics.termination:TerminationF1",
        "role_adherence": "simuser.metrics.role_adherence:RoleAdherence",
        "intent_adherence": "simuser.metrics.intent_adherence:IntentAdherence",
        "perplexity": "simuser.metrics.user_perplexity:UserPerplexity",
    },
)

#: The metrics that need nothing but the conversations (the "< 2 s on 2,000 conversations" set).
TEXT_METRICS = ("first_turn_diversity", "intent_decomposition", "lexical_diversity", "pace")
#: The report card, in display order.
DEFAULT_METRICS = (
    "first_turn_diversity", "intent_decomposition", "termination_f1", "naturalness", "role_adherence",
    "intent_adherence", "lexical_diversity", "pace", "perplexity",
)

if TYPE_CHECKING:
    from simuser.metrics.evaluate import Evaluation, RunEvaluation

__all__ = [
    "DEFAULT_METRICS", "TEXT_METRICS", "Evaluation", "Metric", "MetricContext", "MetricResult", "NotComputed",
    "RunEvaluation", "compute_text_metrics", "evaluate_conversations", "evaluate_run", "load_reference", "metrics",
]


def __getattr__(name: str) -> Any:
    # Keep `import simuser.metrics` light: numpy and the store load only when a function is used.
    if name in ("compute_text_metrics", "evaluate_conversations", "evaluate_run", "Evaluation", "RunEvaluation"):
        from simuser.metrics import evaluate

        return getattr(evaluate, name)
    if name == "load_reference":
        from simuser.metrics.reference import load_reference

        return load_reference
    raise AttributeError(name)
