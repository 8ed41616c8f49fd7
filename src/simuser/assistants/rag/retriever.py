"""Corpus + embedder + index: top-k search and gold-document ranks.

Built lazily: the index is loaded from the cache (or built, with progress) on first use, so creating
an assistant is instant and ``simuser --help`` never touches FAISS. Safe to call from worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simuser.assistants.rag.corpus import Corpus
from simuser.assistants.rag.embedders import Embedder
from simuser.assistants.rag.index import IndexSource, VectorIndex, load_or_build


@dataclass(frozen=True)
class Hit:
    doc_id: str
    score: float
    rank: int  # 1-based


class Retriever:
    def __init__(self, corpus: Corpus, embedder: Embedder, *, cache: bool = True):
        self.corpus = corpus
        self.embedder = embedder
        self.cache = cache
        self.index_source: IndexSource | None = None  # "cache", "shipped" or "built", once ready
        self._index: VectorIndex | None = None
        self._lock = threading.Lock()

    def ensure_index(self, on_progress: Callable[[int, int], None] | None = None) -> VectorIndex:
        """Load or build the index now (the demo calls this first, to show a progress bar)."""
        with self._lock:
            if self._index is None:
                self._index, self.index_source = load_or_build(
                    self.corpus, self.embedder, cache=self.cache, on_progress=on_progress
                )
            return self._index

    def search(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        """The top ``k`` documents for every query, best first."""
        if not queries:
            return []
        index = self.ensure_index()
        scores, rows = index.search(self.embedder.embed(list(queries)), k)
        ids = self.corpus.ids
        return [
            [Hit(ids[row], round(float(score), 4), rank) for rank, (score, row) in enumerate(zip(s, r, strict=True), 1)
             if row >= 0]
            for s, r in zip(scores, rows, strict=True)
        ]

    def ranks(self, queries: Sequence[str], doc_ids: Sequence[str]) -> list[int]:
        """1-based rank of ``doc_ids[i]`` among all documents for ``queries[i]`` (full similarity, not top-k)."""
        if not queries:
            return []
        index = self.ensure_index()
        return index.ranks(self.embedder.embed(list(queries)), [self.corpus.row(d) for d in doc_ids])
