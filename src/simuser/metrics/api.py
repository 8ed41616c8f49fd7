"""``simuser.evaluate``: the report card for whatever a notebook holds (a run, a path, conversations).

:func:`~simuser.metrics.evaluate.evaluate_run` reads a run directory or chat JSONL, because the run
record (seed, simulator) is part of the evaluation. A result kept only in memory (``out=None``) has no
directory, so its conversations are written to a temporary one first and evaluated the same way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simuser.metrics.evaluate import EvaluateOptions, RunEvaluation, evaluate_run
from simuser.schema import Conversation


def evaluate(run: Any, **options: Any) -> RunEvaluation:
    """Evaluate a :class:`~simuser.engine.loop.RunResult`, a run directory / JSONL path, or conversations.

    ``options`` are :class:`~simuser.metrics.evaluate.EvaluateOptions` fields (``names``, ``reference``,
    ``simulator``, ``probes``, ...), the same as ``simuser evaluate`` flags.
    """
    settings = EvaluateOptions(**options)
    if isinstance(run, (str, Path)):
        return evaluate_run(run, settings)
    if getattr(run, "run_dir", None) is not None:
        return evaluate_run(run.run_dir, settings)
    conversations = getattr(run, "conversations", run)
    return _evaluate_in_memory(list(conversations), settings)


def _evaluate_in_memory(conversations: Sequence[Conversation], settings: EvaluateOptions) -> RunEvaluation:
    with tempfile.TemporaryDirectory(prefix="simuser-evaluate-") as folder:
        path = Path(folder) / "conversations.jsonl"
        path.write_text("".join(c.model_dump_json() + "\n" for c in conversations), encoding="utf-8")
        return evaluate_run(path, settings)
