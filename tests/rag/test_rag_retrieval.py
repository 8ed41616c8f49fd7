import numpy as np
import pytest

from simuser.assistants.rag import Corpus, Document, HashingEmbedder, Retriever, build_query, load_corpus
from simuser.assistants.rag.index import index_key
from simuser.errors import UserError
from simuser.schema import Message


def test_gold_document_ranks_first_for_its_own_question(fixture_corpus, fixture_questions):
    retriever = Retriever(fixture_corpus, HashingEmbedder())
    questions = list(fixture_questions.values())
    hits = retriever.search(questions, k=3)
    assert [h[0].doc_id for h in hits] == list(fixture_questions)
    assert [h.rank for h in hits[0]] == [1, 2, 3]
    assert hits[0][0].score > hits[0][1].score >= hits[0][2].score
    assert retriever.ranks(questions, list(fixture_questions)) == [1] * len(questions)


def test_rank_counts_every_document_not_only_top_k(fixture_corpus, fixture_questions):
    retriever = Retriever(fixture_corpus, HashingEmbedder())
    query = fixture_questions["d-statin"]
    full = retriever.search([query], k=len(fixture_corpus))[0]
    ranks = retriever.ranks([query] * len(full), [h.doc_id for h in full])
    distinct = [h for h in full if h.score > 0]
    assert len(distinct) >= 2
    assert ranks[: len(distinct)] == [h.rank for h in distinct]
    assert ranks[len(distinct):] == [len(fixture_corpus)] * (len(full) - len(distinct))  # ties count against


def test_index_is_cached_by_corpus_and_embedder(fixture_corpus, isolated_cache):
    first = Retriever(fixture_corpus, HashingEmbedder())
    first.ensure_index()
    again = Retriever(fixture_corpus, HashingEmbedder())
    again.ensure_index()
    assert (first.index_source, again.index_source) == ("built", "cache")
    assert len(list(isolated_cache.joinpath("indexes").glob("*.faiss"))) == 1

    edited = Corpus([*fixture_corpus.documents[:-1], Document("d-mri", "something else")], name="fixture")
    assert index_key(edited, HashingEmbedder()) != index_key(fixture_corpus, HashingEmbedder())
    assert index_key(fixture_corpus, HashingEmbedder(dim=256)) != index_key(fixture_corpus, HashingEmbedder())
    other = Retriever(fixture_corpus, HashingEmbedder(dim=256))
    other.ensure_index()
    assert other.index_source == "built"


def test_build_reports_progress(fixture_corpus):
    seen = []
    Retriever(fixture_corpus, HashingEmbedder(), cache=False).ensure_index(lambda done, total: seen.append((done, total)))
    assert seen[-1] == (6, 6)


def test_hashing_embedder_is_deterministic_and_unit_length():
    a = HashingEmbedder().embed(["Infants and apnea", ""])
    b = HashingEmbedder().embed(["Infants and apnea", ""])
    assert np.array_equal(a, b)
    assert np.isclose(np.linalg.norm(a[0]), 1.0) and np.linalg.norm(a[1]) == 0.0


def test_query_modes():
    messages = [
        Message(role="user", content="my baby went limp"),
        Message(role="assistant", content="That sounds scary; tell me more."),
        Message(role="user", content="should we get a monitor?"),
    ]
    assert build_query(messages, "last") == "should we get a monitor?"
    assert build_query(messages, "concat") == "my baby went limp\nshould we get a monitor?"
    with pytest.raises(UserError, match="query_mode"):
        build_query(messages, "everything")


def test_pubmedqa_corpus_ships_all_items():
    corpus = load_corpus("pubmedqa")
    assert len(corpus) == 1000 and "21645374" in corpus
    assert corpus.get("21645374").text.startswith("Programmed cell death")
    assert "remodelling lace plant leaves" not in corpus.get("21645374").text  # the title/question is left out


def test_jsonl_corpus_errors_are_one_line(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": 1, "text": "a"}\n{"text": "no id"}\n')
    with pytest.raises(UserError, match="docs.jsonl:2"):
        load_corpus(path)
    with pytest.raises(UserError, match="does not exist"):
        load_corpus(tmp_path / "missing.jsonl")
