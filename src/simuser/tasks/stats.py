"""Statistics a reader can trust: Wilson intervals for rates, a paired bootstrap for gaps.

* :func:`task_success`: the success rate over tasks with ``--n`` conversations each, with its 95% Wilson
  score interval (well behaved at 0% and 100% and for small ``n``, unlike the normal approximation).
  Conversations of one task are not independent (they share its difficulty), so the interval is taken at
  the effective sample size, ``n`` over the design effect (:func:`simuser.intervals.design_effect`); with
  ``--n 1`` it is the plain Wilson interval.
* :func:`paired_bootstrap`: the gap between two conditions on the same tasks. Each task contributes its
  success rate under each condition (the mean over its ``--n`` conversations); the gap is the mean of the
  per-task differences, and its 95% interval the 2.5th and 97.5th percentiles of that mean over
  ``resamples`` resamplings of the tasks with replacement (seeded, so a report is reproducible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from simuser.intervals import clustered_wilson_interval

RESAMPLES = 10_000


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def task_success(per_task: Sequence[tuple[int, int]]) -> Interval:
    """The pooled share of ``(solved, conversations)`` per task, its interval widened for clustering."""
    total = sum(n for _, n in per_task)
    bounds = clustered_wilson_interval(per_task)
    if bounds is None:
        return Interval(0.0, 0.0, 1.0)
    return Interval(sum(k for k, _ in per_task) / total, *bounds)


def paired_bootstrap(a: Sequence[float], b: Sequence[float], resamples: int = RESAMPLES, seed: int = 0) -> Interval:
    """Mean of ``a[i] - b[i]`` over tasks, with a 95% percentile interval from resampling tasks."""
    import numpy as np

    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} vs {len(b)}")
    if not a:
        return Interval(0.0, 0.0, 0.0)
    differences = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(differences), size=(resamples, len(differences)))
    means = differences[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Interval(float(differences.mean()), float(low), float(high))
