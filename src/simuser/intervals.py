"""Confidence intervals for shares: one function, at the bottom of the import graph.

Red-team attack success, over-refusal, survey answer shares and user-judge preferences are all a count
out of n. The Wilson score interval keeps its coverage near 95% for small n and for shares near 0 or 1,
where the textbook normal interval collapses to a point (Wilson 1927; Brown, Cai & DasGupta 2001).
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The 95% Wilson score interval of ``successes / n``, or None when ``n`` is 0."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))
