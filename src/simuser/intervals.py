"""Confidence intervals for shares, at the bottom of the import graph.

Red-team attack success, over-refusal, survey answer shares, user-judge preferences and task success are
all a count out of n. The Wilson score interval keeps its coverage near 95% for small n and for shares near
0 or 1, where the textbook normal interval collapses to a point (Wilson 1927; Brown, Cai & DasGupta 2001).
Where the n trials come in clusters (several conversations per task), :func:`clustered_wilson_interval`
widens it by the design effect instead of treating correlated trials as independent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """The 95% Wilson score interval of ``successes / n``, or None when ``n`` is 0.

    ``n`` may be an effective sample size (not a whole number): see :func:`design_effect`.
    """
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))  # rounding never excludes p


def design_effect(groups: Sequence[tuple[int, int]]) -> float:
    """How much clustering inflates the variance of a pooled share: ``1 + (m - 1) * ICC`` (Kish 1965).

    ``groups`` holds ``(successes, trials)`` per cluster, e.g. per task with ``--n`` conversations each.
    Conversations of one task share its difficulty, so 10 tasks x 5 conversations carry less information
    than 50 independent ones; dividing ``n`` by this factor gives the effective sample size. The
    intraclass correlation is the one-way ANOVA estimate, clipped to [0, 1]: 0 (factor 1, the plain
    interval) when every cluster has one trial or outcomes vary as much within tasks as between them,
    1 (factor ``m``, as if each task were one trial) when every task's conversations agree.
    """
    groups = [(s, t) for s, t in groups if t > 0]
    total = sum(t for _, t in groups)
    k = len(groups)
    if k < 2 or total <= k:
        return 1.0
    share = sum(s for s, _ in groups) / total
    between = sum(t * (s / t - share) ** 2 for s, t in groups) / (k - 1)
    within = sum(s * (1 - s / t) for s, t in groups) / (total - k)
    size = (total - sum(t * t for _, t in groups) / total) / (k - 1)
    if between + (size - 1) * within <= 0:
        return 1.0
    icc = min(1.0, max(0.0, (between - within) / (between + (size - 1) * within)))
    return 1 + (total / k - 1) * icc


def clustered_wilson_interval(groups: Sequence[tuple[int, int]], z: float = Z95) -> tuple[float, float] | None:
    """The Wilson interval of the pooled share over ``groups``, at the effective sample size.

    With one trial per group it is exactly :func:`wilson_interval`.
    """
    total = sum(t for _, t in groups)
    if total <= 0:
        return None
    effective = total / design_effect(groups)
    return wilson_interval(sum(s for s, _ in groups) / total * effective, effective, z)
