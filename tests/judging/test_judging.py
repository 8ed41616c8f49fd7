"""The user as judge: reaction labels on hand-written turns, preference with a scripted user, bad input, CLI."""

from __future__ import annotations

import json

import pytest

from simuser.cli.app import main
from simuser.errors import UserError
from simuser.judging import Reaction, classify_reaction, judge_replies, load_items, parse_item
from simuser.schema import ComponentSpec
from simuser.users import UserTurn

PREVIOUS = "how do I read a csv file in python"


@pytest.mark.parametrize(("text", "ended", "label"), [
    ("this is way too complicated, I just wanted something simple that works", False, Reaction.COMPLAINS),  # the blog
    ("perfect, exactly what I needed", False, Reaction.SATISFIED),  # the blog
    ("", True, Reaction.SATISFIED),
    ("thanks, bye", True, Reaction.SATISFIED),
    ("that's wrong, bye", True, Reaction.COMPLAINS),
    ("It doesn't work, I get an error", False, Reaction.COMPLAINS),
    ("that's not what I asked", False, Reaction.COMPLAINS),
    ("No, I meant reading it with the standard library", False, Reaction.REPHRASES),
    ("how do i read a csv file in python?", False, Reaction.REPHRASES),  # a repeat of the previous turn
    ("let me rephrase: just the first column", False, Reaction.REPHRASES),
    ("thanks! and how do I write one back?", False, Reaction.FOLLOWS_UP),  # thanks, but asks more
    ("what about files with a header row?", False, Reaction.FOLLOWS_UP),
    ("ok", False, Reaction.FOLLOWS_UP),
    ("great, that works", False, Reaction.SATISFIED),
])
def test_reaction_rule_on_hand_written_next_turns(text, ended, label):
    assert classify_reaction(text, ended, PREVIOUS) is label


ITEM = {"id": "csv", "messages": [{"role": "user", "content": PREVIOUS}],
        "candidates": [{"id": "simple", "content": "Use csv.reader(open('f.csv'))."},
                       {"id": "engineered", "content": "First, set up a virtual environment, install pandas, pyarrow ..."}]}


class ReactsToLength:
    """A fake user whose reactions are scripted by the candidate: short replies please it, long ones do not,
    except every fourth sample, which asks a follow-up."""

    def __init__(self):
        self.calls = 0

    def describe(self):
        return ComponentSpec(name="reacts-to-length")

    async def next_turns(self, states):
        self.calls += 1
        turns = []
        for state in states:
            reply = state.messages[-1].content
            if state.seed % 4 == 0:
                turns.append(UserTurn.say("what about a header row?"))
            elif len(reply) < 40:
                turns.append(UserTurn.end() if state.seed % 2 else UserTurn.say("perfect, exactly what I needed"))
            else:
                turns.append(UserTurn.say("this is way too complicated, I just wanted something simple that works"))
        return turns

    async def aclose(self):
        pass


def test_preference_with_a_scripted_user():
    user = ReactsToLength()
    result = judge_replies([parse_item(ITEM, "test")], user, n=40, seed=1, batch_size=16)
    entry = result["items"]["csv"]
    simple, engineered = entry["candidates"]["simple"], entry["candidates"]["engineered"]
    follow_ups = simple["reactions"]["follows_up"]
    assert simple["reactions"]["satisfied"] == 40 - follow_ups and simple["reactions"]["complains"] == 0
    assert engineered["preference"]["count"] == 0 and engineered["complaints"]["count"] == 40 - engineered["reactions"]["follows_up"]
    assert entry["preferred"] == "simple"
    low, high = simple["preference"]["ci95"]
    assert low > engineered["preference"]["ci95"][1]  # the intervals separate
    assert len(result["reactions"]) == 80 and user.calls == 5  # 80 reactions in batches of 16
    assert {r["reaction"] for r in result["reactions"] if r["candidate"] == "engineered"} <= {"complains", "follows_up"}


def test_reactions_are_reproducible_from_the_seed():
    first = judge_replies([parse_item(ITEM, "t")], ReactsToLength(), n=8, seed=5)["reactions"]
    again = judge_replies([parse_item(ITEM, "t")], ReactsToLength(), n=8, seed=5)["reactions"]
    assert first == again


@pytest.mark.parametrize(("record", "message"), [
    ({"messages": [{"role": "user", "content": "hi"}], "candidates": ["only one"]}, "at least two 'candidates'"),
    ({"messages": [{"role": "assistant", "content": "hi"}], "candidates": ["a", "b"]}, "must end with the user message"),
    ({"candidates": ["a", "b"]}, "must end with the user message"),
    ({"messages": [{"role": "user", "content": "hi"}], "candidates": ["a", 3]}, "candidate 2 must be a string"),
])
def test_bad_items_are_one_line_errors(record, message):
    with pytest.raises(UserError, match=message):
        parse_item(record, "c.jsonl:1")


def test_bad_file(tmp_path):
    (tmp_path / "c.jsonl").write_text("{broken\n")
    with pytest.raises(UserError, match="c.jsonl:1: not valid JSON"):
        load_items(tmp_path / "c.jsonl")


def test_judge_cli_with_a_scripted_user(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "c.jsonl").write_text(json.dumps(ITEM) + "\n")
    code = main(["judge", "c.jsonl", "--out", "j", "--n", "3", "--simulator", "scripted", "-S",
                 'turns=["(turn 1 is the item\'s own)", "thanks, that works"]'])
    assert code == 0
    summary = json.loads((tmp_path / "j/judge.json").read_text())
    assert summary["items"]["csv"]["candidates"]["simple"]["preference"]["count"] == 3
    assert summary["items"]["csv"]["preferred"] is None  # both pleased the scripted user equally
    reactions = [json.loads(line) for line in (tmp_path / "j/reactions.jsonl").read_text().splitlines()]
    assert len(reactions) == 6 and reactions[0]["text"] == "thanks, that works"
    assert "csv" in capsys.readouterr().out


def test_an_optional_judge_labels_reactions_beside_the_rule(tmp_path):
    judge = ComponentSpec(name="callable", options={"target": "redteam_bots:reaction_judge"})
    result = judge_replies([parse_item(ITEM, "t")], ReactsToLength(), n=8, seed=2, judge=judge)
    for record in result["reactions"]:
        if record["text"]:
            assert record["judge_reaction"] == ("satisfied" if "thanks" in record["text"] else "complains")
        else:
            assert record["judge_reaction"] is None  # ended without text: nothing to judge, the rule stands
    simple_rule = result["items"]["csv"]["candidates"]["simple"]["reactions"]
    simple_judge = result["judge"]["items"]["csv"]["candidates"]["simple"]["reactions"]
    assert simple_judge["complains"] == sum(1 for r in result["reactions"] if r["candidate"] == "simple" and r["text"])
    assert simple_rule["complains"] == 0
