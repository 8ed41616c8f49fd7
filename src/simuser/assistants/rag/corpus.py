"""Documents to retrieve from: the shipped PubMedQA PQA-L abstracts, or any JSONL of ``{"id", "text"}``.

A PubMedQA *document* is the abstract as PubMed shows it, without its title: the structured context
sections followed by the conclusion (``LONG_ANSWER``). The title is left out because PubMedQA questions
are mostly the titles reworded, which would make retrieval with the original question trivially easy.
The conclusion is kept because a real index of abstracts has it.

:attr:`Corpus.fingerprint` hashes every id and text, so an index cached for one corpus is never reused
for an edited one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from simuser.errors import UserError

PUBMEDQA = "pubmedqa"
LABELS = ("yes", "no", "maybe")


@dataclass(frozen=True)
class Document:
    id: str
    text: str


class Corpus:
    """An ordered collection of documents with unique ids."""

    def __init__(self, documents: Sequence[Document], name: str = "custom"):
        self.name = name
        self.documents = list(documents)
        self._row = {doc.id: row for row, doc in enumerate(self.documents)}
        if len(self._row) != len(self.documents):
            raise UserError(f"corpus '{name}' has duplicate document ids; give every document a unique id")

    def __len__(self) -> int:
        return len(self.documents)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row

    def row(self, doc_id: str) -> int:
        """Position of ``doc_id`` in the corpus (and in its index)."""
        return self._row[doc_id]

    def get(self, doc_id: str) -> Document:
        return self.documents[self._row[doc_id]]

    @property
    def ids(self) -> list[str]:
        return [doc.id for doc in self.documents]

    @property
    def texts(self) -> list[str]:
        return [doc.text for doc in self.documents]

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for doc in self.documents:
            digest.update(doc.id.encode() + b"\x1f" + doc.text.encode() + b"\x1e")
        return digest.hexdigest()


@dataclass(frozen=True)
class PubMedQAItem:
    """One expert-labelled PubMedQA question with its abstract, MeSH terms and gold label."""

    pmid: str
    question: str
    contexts: tuple[str, ...]
    long_answer: str
    meshes: tuple[str, ...]
    year: str
    label: str

    @property
    def abstract(self) -> str:
        return " ".join((*self.contexts, self.long_answer))


@lru_cache(maxsize=1)
def pubmedqa_items() -> tuple[PubMedQAItem, ...]:
    """The 1,000 PQA-L items shipped in ``simuser/data/pubmedqa`` (MIT), in the file's order."""
    raw = json.loads(resources.files("simuser").joinpath("data/pubmedqa/ori_pqal.json").read_text("utf-8"))
    return tuple(
        PubMedQAItem(pmid, v["QUESTION"], tuple(v["CONTEXTS"]), v["LONG_ANSWER"], tuple(v["MESHES"]),
                     str(v.get("YEAR", "")), v["final_decision"])
        for pmid, v in raw.items()
    )


def pubmedqa_corpus() -> Corpus:
    return Corpus([Document(item.pmid, item.abstract) for item in pubmedqa_items()], name=PUBMEDQA)


def load_corpus(source: str | Path | Corpus = PUBMEDQA) -> Corpus:
    """``"pubmedqa"`` (the shipped abstracts), a :class:`Corpus`, or a JSONL file of ``{"id", "text"}``."""
    if isinstance(source, Corpus):
        return source
    if str(source) == PUBMEDQA:
        return pubmedqa_corpus()
    return _jsonl_corpus(Path(source))


def _jsonl_corpus(path: Path) -> Corpus:
    if not path.is_file():
        raise UserError(f"corpus {path} does not exist; pass 'pubmedqa' or a JSONL file of {{\"id\", \"text\"}}")
    documents = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            documents.append(Document(str(record["id"]), str(record["text"])))
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserError(f"{path}:{number}: expected a JSON object with 'id' and 'text'") from None
    if not documents:
        raise UserError(f"corpus {path} is empty; write one {{\"id\", \"text\"}} object per line")
    return Corpus(documents, name=path.stem)
