from simuser.assistants.rag import pubmedqa_items
from simuser.demo.pubmedqa_intents import (
    build_intents,
    intent_for,
    lay_question,
    plain_heading,
    select_items,
    topic_phrase,
)
from simuser.tokens import INTENT_PREFIX


def item(pmid):
    return next(i for i in pubmedqa_items() if i.pmid == pmid)


def test_intents_are_reproducible_and_carry_the_gold():
    first, again = build_intents(8, seed=0), build_intents(8, seed=0)
    assert [i.model_dump() for i in first] == [i.model_dump() for i in again]
    assert [i.id for i in build_intents(8, seed=1)] != [i.id for i in first]
    assert [i.id for i in build_intents(3, seed=0)] == [i.id for i in first[:3]]  # a prefix of the same order
    for intent in first:
        pmid = intent.metadata["pmid"]
        assert intent.id == f"pubmedqa-{pmid}" and intent.metadata["gold_doc_id"] == pmid
        assert intent.metadata["gold_label"] == item(pmid).label in ("yes", "no", "maybe")
        assert intent.metadata["question"] == item(pmid).question
        assert intent.text.startswith(f"{INTENT_PREFIX} get information about ")


def test_topic_comes_from_mesh_headings_shared_with_the_question():
    lace = item("21645374")  # Do mitochondria play a role in remodelling lace plant leaves during PCD?
    assert topic_phrase(lace.meshes, lace.question) == "plant leaves and mitochondria"
    assert topic_phrase(["Humans", "Female", "Retrospective Studies", "Glaucoma"], "Is it safe?") == "glaucoma"
    assert topic_phrase(["Humans", "Male"], "Is it safe?") == "a medical research question"


def test_headings_in_plain_words():
    assert plain_heading("Myocardial Infarction") == "heart attacks"
    assert plain_heading("Fractures, Compression") == "compression fractures"
    assert plain_heading("Receptors, LDL") == "LDL receptors"
    assert plain_heading("Gluten-Free Diet") == "gluten-free diet"


def test_question_loses_abbreviations_and_gains_lay_terms():
    strabismus = item("16418930")  # Landolt C and snellen e acuity: differences in strabismus amblyopia?
    assert lay_question(strabismus) == "Landolt C and snellen e acuity: differences in crossed eyes lazy eye?"
    assert "lazy eye" in intent_for(strabismus).text
    hint1 = next(i for i in pubmedqa_items() if "(HINT1)" in i.question)
    assert "(HINT1)" not in lay_question(hint1) and "gene" in lay_question(hint1)


def test_select_items_checks_the_count():
    import pytest

    from simuser.errors import UserError

    assert len(select_items(1000)) == 1000
    with pytest.raises(UserError, match="intents-count"):
        select_items(0)
