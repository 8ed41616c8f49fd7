"""The vector index: FAISS inner-product search over unit vectors, cached on disk.

The cache key is ``sha256(corpus fingerprint, embedder id)``, so the same corpus embedded by the same
model is built once per machine (``$SIMUSER_CACHE_DIR/indexes``), and any change to either rebuilds.
Files are written to a temporary name and renamed into place: an interrupted build never leaves a
half-written index that a later run would trust.

The corpus is small (1,000 abstracts), so the index is exact (``IndexFlatIP``), and :meth:`VectorIndex.ranks`
can afford the full similarity of a query against every document to place the gold document even
when it is far outside the top k.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from simuser.assistants.rag.corpus import Corpus
from simuser.assistants.rag.embedders import Embedder
from simuser.errors import require
from simuser.models.cache import cache_dir

INDEX_VERSION = "1"


class VectorIndex:
    """Exact cosine search over the corpus, rows in corpus order."""

    def __init__(self, faiss_index):
        self._index = faiss_index

    @classmethod
    def from_vectors(cls, vectors: np.ndarray) -> VectorIndex:
        faiss = require("faiss", "rag")
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def size(self) -> int:
        return self._index.ntotal

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)``, each ``(len(queries), k)``, best first."""
        k = min(k, self.size)
        return self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def ranks(self, queries: np.ndarray, rows: list[int]) -> list[int]:
        """1-based rank of document ``rows[i]`` for ``queries[i]`` among all documents (ties count in its favour)."""
        vectors = self._index.reconstruct_n(0, self.size)
        scores = np.asarray(queries, dtype=np.float32) @ vectors.T
        target = scores[np.arange(len(rows)), rows]
        return [int(1 + np.sum(scores[i] > target[i])) for i in range(len(rows))]

    def save(self, path: Path) -> None:
        faiss = require("faiss", "rag")
        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        faiss.write_index(self._index, str(staging))
        os.replace(staging, path)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        faiss = require("faiss", "rag")
        return cls(faiss.read_index(str(path)))


def index_key(corpus: Corpus, embedder: Embedder) -> str:
    parts = (INDEX_VERSION, corpus.fingerprint, embedder.id)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def load_or_build(corpus: Corpus, embedder: Embedder, *, cache: bool = True,
                  on_progress: Callable[[int, int], None] | None = None) -> tuple[VectorIndex, bool]:
    """The corpus index for ``embedder`` and whether it came from the cache; builds and caches it if needed.

    ``on_progress(done, total)`` reports documents embedded while building.
    """
    path = cache_dir("indexes") / f"{index_key(corpus, embedder)}.faiss" if cache else None
    if path is not None and path.exists():
        index = VectorIndex.load(path)
        if index.size == len(corpus):
            return index, True
    report = (lambda done: on_progress(done, len(corpus))) if on_progress else None
    index = VectorIndex.from_vectors(embedder.embed(corpus.texts, report))
    if path is not None:
        index.save(path)
        _write_meta(path, corpus, embedder)
    return index, False


def _write_meta(path: Path, corpus: Corpus, embedder: Embedder) -> None:
    """A readable note next to the index saying what it holds (not used for lookups)."""
    meta = {"corpus": corpus.name, "documents": len(corpus), "corpus_fingerprint": corpus.fingerprint,
            "embedder": embedder.id, "version": INDEX_VERSION}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
