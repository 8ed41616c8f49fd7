"""Run DeepEval's multi-turn metrics on a simuser run.

    simuser simulate --intents examples/intents/medical.txt --n 2 --out runs/medical
    simuser export runs/medical --format deepeval --out runs/medical/deepeval.json
    python examples/deepeval/evaluate_run.py runs/medical/deepeval.json            # loads and summarises
    python examples/deepeval/evaluate_run.py runs/medical/deepeval.json --metrics  # + DeepEval metrics (a judge LLM:
                                                                                   #   OPENAI_API_KEY, or deepeval's
                                                                                   #   configured local model)
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")

from deepeval.test_case import ConversationalTestCase  # noqa: E402


def main(path: str, with_metrics: bool) -> None:
    cases = [ConversationalTestCase.model_validate(c) for c in json.load(open(path, encoding="utf-8"))]
    turns = sum(len(c.turns) for c in cases)
    calls = sum(len(t.tools_called or []) for c in cases for t in c.turns)
    print(f"{len(cases)} conversational test cases, {turns} turns, {calls} tool calls")
    if with_metrics:
        from deepeval import evaluate
        from deepeval.metrics import ConversationCompletenessMetric, TurnRelevancyMetric

        evaluate(test_cases=cases, metrics=[TurnRelevancyMetric(), ConversationCompletenessMetric()])


if __name__ == "__main__":
    main(sys.argv[1], "--metrics" in sys.argv[2:])
