"""The offline default embedder: shipped vectors, and (slow) the real model."""

import numpy as np
import pytest

from simuser.assistants.rag import Retriever, pubmedqa_corpus, pubmedqa_items
from simuser.assistants.rag.embedders import SentenceTransformerEmbedder
from simuser.assistants.rag.index import shipped_vectors


def test_shipped_vectors_are_used_without_loading_the_model():
    embedder = SentenceTransformerEmbedder()
    retriever = Retriever(pubmedqa_corpus(), embedder)
    assert retriever.ensure_index().size == 1000
    assert retriever.index_source == "shipped" and embedder._model is None
    assert Retriever(pubmedqa_corpus(), SentenceTransformerEmbedder()).ensure_index() is not None
    assert shipped_vectors(pubmedqa_corpus(), SentenceTransformerEmbedder("some/other-model")) is None


@pytest.mark.slow
def test_minilm_reproduces_the_shipped_vectors_and_finds_gold_abstracts():
    pytest.importorskip("sentence_transformers")
    corpus, embedder = pubmedqa_corpus(), SentenceTransformerEmbedder()
    fresh = embedder.embed(corpus.texts[:16])
    shipped = shipped_vectors(corpus, embedder)[:16]
    assert np.abs(fresh - shipped).max() < 2e-3
    items = pubmedqa_items()[:50]
    ranks = Retriever(corpus, embedder).ranks([i.question for i in items], [i.pmid for i in items])
    assert sum(r == 1 for r in ranks) >= 40  # the well-formed question finds its abstract first
