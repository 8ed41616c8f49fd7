"""Naturalness detectors: anything that says how likely a text is to be human-written.

A detector maps texts to P(human-written) in [0, 1]. Built-ins: ``offline`` (a classifier of human user
turns versus assistant turns trained on the shipped reference; runs here, no network) and ``pangram``
(the Pangram Labs API that the UserLM paper used; key from ``PANGRAM_API_KEY``). Third parties add more
under the ``simuser.detectors`` entry point. Example::

    class AllHuman:
        name = "all-human"

        def p_human(self, texts):
            return [1.0 for _ in texts]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from simuser.registry import Registry


@runtime_checkable
class NaturalnessDetector(Protocol):
    name: str

    def p_human(self, texts: Sequence[str]) -> list[float]:
        """P(human-written) per text, same order."""
        ...


detectors: Registry[NaturalnessDetector] = Registry(
    "naturalness detector",
    "simuser.detectors",
    {
        "offline": "simuser.metrics.offline_detector:OfflineDetector",
        "pangram": "simuser.metrics.pangram:PangramDetector",
    },
)
