"""The shipped human reference: a stable dev/test split by conversation, with intents, rebuildable."""

import hashlib

import pytest
from shared_data import shared_data

from simuser.metrics.reference import (
    REFERENCE_DIR,
    SPLIT_PATHS,
    build_reference,
    load_reference,
    load_termination_reference,
    split_of,
    split_path,
)
from simuser.schema import EndReason

MTRAG = shared_data("mtrag")


def test_split_is_a_pure_function_of_the_id():
    # sha256("18ef26058d321c5d96ca3ebf8117789e") % 100 decides; pinned so the rule can never drift.
    assert split_of("18ef26058d321c5d96ca3ebf8117789e") == "dev"
    assert split_of("b3b321e9ea81d1d90e528f85fff72d63") == "test"
    for cid in ("a", "b", "conversation-42"):
        expected = "dev" if int(hashlib.sha256(cid.encode()).hexdigest(), 16) % 100 < 80 else "test"
        assert split_of(cid) == expected


def test_committed_split_files_agree_with_the_rule_and_do_not_overlap():
    dev = split_path("dev").read_text().split()
    test = split_path("test").read_text().split()
    assert (len(dev), len(test)) == (409, 98)
    assert not set(dev) & set(test)
    assert all(split_of(cid) == "dev" for cid in dev) and all(split_of(cid) == "test" for cid in test)


def test_load_reference_splits_by_conversation():
    dev, test, everything = load_reference("dev"), load_reference("test"), load_reference("all")
    assert len(everything) == len(dev) + len(test) == 507
    assert not {c.intent.id for c in dev} & {c.intent.id for c in test}
    assert {c.intent.id for c in test} == set(SPLIT_PATHS["test"].read_text().split())


def test_reference_conversations_have_intents_and_alternate_roles():
    for conversation in load_reference("all"):
        assert conversation.intent.text.startswith("You are a user chatting with an assistant language model to")
        roles = [m.role for m in conversation.messages]
        assert roles[0] == "user" and roles[-1] == "assistant"
        assert all(a != b for a, b in zip(roles, roles[1:], strict=False))


def test_unknown_split_is_a_user_error():
    from simuser.errors import UserError

    with pytest.raises(UserError, match="dev, test, all"):
        load_reference("train")


def test_termination_reference_holds_whole_conversations_with_intents():
    conversations = load_termination_reference()
    assert len(conversations) == 20
    for conversation in conversations:
        assert conversation.intent.text and conversation.end_reason == EndReason.USER_ENDED
        assert conversation.messages[-1].role == "assistant"


@pytest.mark.skipif(MTRAG is None, reason="the MTRAG snapshot (../shared/data/mtrag) is not on this machine")
def test_rebuilding_from_the_snapshot_reproduces_the_committed_files(tmp_path):
    (tmp_path / "termination_intents.jsonl").write_bytes((REFERENCE_DIR / "termination_intents.jsonl").read_bytes())
    assert build_reference(MTRAG, tmp_path) == {"dev": 409, "test": 98}
    for name in ("mtragun_reference.jsonl", "dev_ids.txt", "test_ids.txt", "termination.jsonl"):
        assert (tmp_path / name).read_bytes() == (REFERENCE_DIR / name).read_bytes(), name
