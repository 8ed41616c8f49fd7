"""Readers for the public dialogue sets, their intents, and the committed train/dev/test splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simuser.train.sources import READERS, split_by_hash, with_detailed_goal
from simuser.train.sources.detok import detokenize
from simuser.train.sources.goals import DETAIL_HEADER, PREFIX, takes_detail

from .source_fixtures import write_sources

SPLIT_DIR = Path(__file__).resolve().parents[2] / "data" / "userlm-v2" / "splits"


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    return write_sources(tmp_path_factory.mktemp("sources"))


@pytest.mark.parametrize(("tokenised", "text"), [
    ("John 's friend said it 's nice .", "John's friend said it's nice."),
    ("That does n't matter , but I 'd like wifi ( if possible ) !", "That doesn't matter, but I'd like wifi (if possible)!"),
    ("The train leaves at 19:45 and costs £ 10.10 .", "The train leaves at 19:45 and costs £10.10."),
    ("Already fine: no changes here.", "Already fine: no changes here."),
])
def test_detokenize_undoes_multiwoz_tokenisation(tokenised, text):
    assert detokenize(tokenised) == text


def test_multiwoz_reader_detokenises_and_writes_a_high_level_intent(sources):
    [conversation] = READERS["multiwoz"](sources / "multiwoz")
    assert conversation.intent.id == "multiwoz:PMUL0001.json"
    assert [m.role for m in conversation.messages] == ["user", "assistant"] * 3
    assert conversation.messages[0].content == "I need a hotel in the east. John's friend said it's nice."
    assert conversation.messages[2].content == "That doesn't matter, but I'd like free wifi (if possible)."
    assert conversation.intent.text == f"{PREFIX} find and book a place to stay and find a train in Cambridge."
    assert conversation.metadata["goal"] == "You are looking for a place to stay. You are also looking for a train."


def test_star_reader_keeps_mid_dialogue_instructions_out_of_the_messages(sources):
    [conversation] = READERS["star"](sources / "star")  # the disconnected dialogue is skipped
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "Hi, I forgot something\nabout my medicine"),
        ("assistant", "Could I get your name, please?"),
        ("user", "Alexis. Actually, never mind the medicine."),
        ("assistant", "No problem, goodbye!"),
    ]
    assert conversation.metadata["instructions"] == [
        {"before_user_turn": 0, "text": "Act confused at first."},
        {"before_user_turn": 1, "text": "Now change your mind."},
    ]
    assert conversation.intent.text == f"{PREFIX} follow up on a doctor's instructions."
    assert conversation.metadata["goal"].endswith("Along the way: Act confused at first. Now change your mind.")
    assert len(_all_star(sources)) == 2


def _all_star(sources: Path):
    from simuser.train.sources.star import read_star

    return read_star(sources / "star", complete_only=False)


def test_camrest_reader_names_what_the_user_asked_for(sources):
    [conversation] = READERS["camrest"](sources / "camrest")
    assert conversation.intent.text == f"{PREFIX} find a restaurant in Cambridge and get its address and phone number."
    assert conversation.metadata["goal"] == "You are looking for an expensive restaurant in the south."
    assert conversation.messages[-1].role == "assistant"


def test_hh_reader_keeps_chosen_skips_repeated_contexts_and_marks_model_turns(sources):
    conversations = READERS["hh_rlhf"](sources / "hh_rlhf")
    assert len(conversations) == 2
    first = conversations[0]
    assert [m.content for m in first.messages] == ["what are some pranks with a pen?", "Are you looking for jokes?",
                                                   "yep", "Here are two."]
    assert all(m.metadata.get("author_type") == "model" for m in first.messages if m.role == "assistant")
    assert first.intent.text.startswith(PREFIX) and first.metadata["intent_kind"] == "generic"


def test_detailed_goal_goes_to_a_fixed_share_after_the_high_level_intent(sources):
    [conversation] = READERS["camrest"](sources / "camrest")
    assert with_detailed_goal(conversation, percent=0) is conversation
    detailed = with_detailed_goal(conversation, percent=100)
    assert detailed.intent.text == f"{conversation.intent.text}\n\n{DETAIL_HEADER}\n{conversation.metadata['goal']}"
    share = sum(takes_detail(f"id-{i}") for i in range(2000)) / 2000
    assert 0.27 < share < 0.33


@pytest.mark.parametrize("source", ["mtrag", "star", "multiwoz", "camrest", "hh_rlhf"])
def test_committed_splits_are_disjoint_and_follow_the_rule(source):
    record = json.loads((SPLIT_DIR / f"{source}.json").read_text())
    train, dev, test = (set(record[s]) for s in ("train", "dev", "test"))
    assert not (train & dev) and not (train & test) and not (dev & test)
    if source == "camrest":  # the out-of-domain source: no training, no dev
        assert not train and not dev and len(test) == 676
        return
    if source == "mtrag":  # the reference test split stays as it is
        from simuser.metrics.reference import split_path

        assert test == set(split_path("test").read_text().split())
        assert all(split_by_hash(i, dev_percent=15, test_percent=0) == "train" for i in train)
        return
    for name, ids in (("train", train), ("dev", dev), ("test", test)):
        assert all(split_by_hash(i) == name for i in ids)
    assert len(test) > 0.07 * (len(train) + len(dev) + len(test))


def test_sharegpt_reader_maps_speakers_and_takes_the_system_turn_as_intent(tmp_path):
    from simuser.errors import UserError
    from simuser.train.sources import read_sharegpt

    records = [{"id": "a", "conversations": [{"from": "system", "value": f"{PREFIX} plan a trip."},
                                             {"from": "human", "value": " hi "}, {"from": "gpt", "value": "Hello!"}]},
               {"conversations": [{"from": "user", "value": "yo"}, {"from": "assistant", "value": "hey"}]}]
    (tmp_path / "log.json").write_text(json.dumps(records))
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    for name in ("log.json", "log.jsonl"):
        first, second = read_sharegpt(tmp_path / name)
        assert first.intent.id == "a" and first.intent.text == f"{PREFIX} plan a trip."
        assert [(m.role, m.content) for m in first.messages] == [("user", "hi"), ("assistant", "Hello!")]
        assert second.intent.text == "" and [m.role for m in second.messages] == ["user", "assistant"]
    (tmp_path / "bad.jsonl").write_text(json.dumps({"conversations": [{"from": "robot", "value": "x"}]}) + "\n")
    with pytest.raises(UserError, match="turn from 'robot'"):
        read_sharegpt(tmp_path / "bad.jsonl")
