import re

import pytest

from simuser.assistants.rag import HashingEmbedder, Retriever, pubmedqa_corpus, pubmedqa_items
from simuser.models.chat import Generation
from simuser.schema import ComponentSpec


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMUSER_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def hashing_retriever() -> Retriever:
    """The 1,000 PubMedQA abstracts under the hashing embedder (no model; ~2 s to build, once)."""
    retriever = Retriever(pubmedqa_corpus(), HashingEmbedder(), cache=False)
    retriever.ensure_index()
    return retriever


class OracleReader:
    """A fake generator (a ChatModel) that 'reads' the first abstract in its context and answers with that item's label.

    So an answer is right exactly when the top retrieved abstract has the gold label: accuracy then
    follows retrieval, which is what the demo's tests check.
    """

    labels = {item.pmid: item.label for item in pubmedqa_items()}

    def describe(self):
        return ComponentSpec(name="oracle-reader", options={"model": "oracle-reader"})

    async def generate(self, chats, sampling, seeds, cache_keys=None):
        return [Generation(f"{self.labels[self.top_pmid(chat)].capitalize()}, according to the first abstract.")
                for chat in chats]

    @staticmethod
    def top_pmid(chat) -> str:
        return re.search(r"\[1\] \(PMID (\d+)\)", chat[0]["content"]).group(1)

    async def aclose(self): ...


@pytest.fixture
def oracle_reader() -> OracleReader:
    return OracleReader()
