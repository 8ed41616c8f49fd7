"""A small medical RAG assistant: PubMedQA abstracts, sentence embeddings, FAISS, a chat model.

The assistant under test in ``simuser demo``, registered as ``rag``; also usable on its own. Pieces,
each replaceable: :mod:`.corpus` (documents), :mod:`.embedders` (MiniLM offline, any
sentence-transformers model, an embeddings endpoint, or a hashing fake), :mod:`.index` (FAISS, cached
on disk by corpus and model), :mod:`.query` (what is embedded for a conversational turn),
and the answer generator, a :mod:`simuser.models.chat` model (SmolLM2 locally, or any OpenAI-compatible
endpoint).
"""

from simuser.assistants.rag.assistant import RagAssistant
from simuser.assistants.rag.corpus import (
    Corpus,
    Document,
    PubMedQAItem,
    load_corpus,
    pubmedqa_corpus,
    pubmedqa_items,
)
from simuser.assistants.rag.embedders import Embedder, HashingEmbedder, make_embedder
from simuser.assistants.rag.query import QUERY_MODES, build_query
from simuser.assistants.rag.retriever import Hit, Retriever

__all__ = [
    "QUERY_MODES", "Corpus", "Document", "Embedder", "HashingEmbedder", "Hit",
    "PubMedQAItem", "RagAssistant", "Retriever", "build_query", "load_corpus", "make_embedder",
    "pubmedqa_corpus", "pubmedqa_items",
]
