"""The vector index: FAISS inner-product search over unit vectors, cached on disk.

The cache key is ``sha256(corpus fingerprint, embedder id)``, so the same corpus embedded by the same
model is built once per machine (``$SIMUSER_CACHE_DIR/indexes``), and any change to either rebuilds.

Embedding 1,000 abstracts with MiniLM takes minutes on two CPU cores, so the package ships those
vectors (``data/pubmedqa/minilm_vectors.npy``, float16, with the corpus fingerprint and embedder id they
were computed for). They are used only when both match exactly; any other corpus or model is embedded
here. :func:`export_vectors` rewrites them.
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
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from simuser.assistants.rag.corpus import Corpus
from simuser.assistants.rag.embedders import Embedder, normalize
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
        """1-based rank of document ``rows[i]`` for ``queries[i]`` among all documents.

        Ties count against it (rank = documents scoring at least as high), so a gold document that the
        query does not distinguish from hundreds of others is not reported as found.
        """
        vectors = self._index.reconstruct_n(0, self.size)
        scores = np.asarray(queries, dtype=np.float32) @ vectors.T
        target = scores[np.arange(len(rows)), rows]
        return [int(np.sum(scores[i] >= target[i])) for i in range(len(rows))]

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


IndexSource = Literal["cache", "shipped", "built"]
SHIPPED_VECTORS = "data/pubmedqa/minilm_vectors"


def load_or_build(corpus: Corpus, embedder: Embedder, *, cache: bool = True,
                  on_progress: Callable[[int, int], None] | None = None) -> tuple[VectorIndex, IndexSource]:
    """The corpus index for ``embedder`` and where it came from; builds and caches it if needed.

    ``on_progress(done, total)`` reports documents embedded while building.
    """
    path = cache_dir("indexes") / f"{index_key(corpus, embedder)}.faiss" if cache else None
    if path is not None and path.exists():
        index = VectorIndex.load(path)
        if index.size == len(corpus):
            return index, "cache"
    vectors = shipped_vectors(corpus, embedder)
    source: IndexSource = "shipped"
    if vectors is None:
        report = (lambda done: on_progress(done, len(corpus))) if on_progress else None
        vectors, source = embedder.embed(corpus.texts, report), "built"
    index = VectorIndex.from_vectors(vectors)
    if path is not None:
        index.save(path)
        _write_meta(path, corpus, embedder)
    return index, source


def shipped_vectors(corpus: Corpus, embedder: Embedder) -> np.ndarray | None:
    """The packaged vectors, if they were computed for exactly this corpus and embedder."""
    meta_file = resources.files("simuser").joinpath(f"{SHIPPED_VECTORS}.json")
    if not meta_file.is_file():
        return None
    meta = json.loads(meta_file.read_text("utf-8"))
    if meta.get("corpus_fingerprint") != corpus.fingerprint or meta.get("embedder") != embedder.id:
        return None
    with resources.as_file(resources.files("simuser").joinpath(f"{SHIPPED_VECTORS}.npy")) as npy:
        return normalize(np.load(npy).astype(np.float32))


def export_vectors(corpus: Corpus, embedder: Embedder, stem: Path) -> Path:
    """Embed ``corpus`` and write ``<stem>.npy`` (float16) + ``<stem>.json``: how the shipped vectors are made."""
    vectors = embedder.embed(corpus.texts).astype(np.float16)
    np.save(stem.with_suffix(".npy"), vectors)
    meta = {"corpus_fingerprint": corpus.fingerprint, "embedder": embedder.id, "dtype": "float16",
            "shape": list(vectors.shape)}
    stem.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return stem.with_suffix(".npy")


def _write_meta(path: Path, corpus: Corpus, embedder: Embedder) -> None:
    """A readable note next to the index saying what it holds (not used for lookups)."""
    meta = {"corpus": corpus.name, "documents": len(corpus), "corpus_fingerprint": corpus.fingerprint,
            "embedder": embedder.id, "version": INDEX_VERSION}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
