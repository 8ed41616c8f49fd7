"""Replay (logged user turns) and scripted simulators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simuser.engine import intent_from_text
from simuser.errors import UserError
from simuser.schema import Intent, Message
from simuser.tokens import END_CONVERSATION
from simuser.users import ConversationState, TurnKind, simulators
from simuser.users.replay import ReplaySimulator, ScriptedSimulator

LOG = [
    {"intent": "plan a trip to Rome", "messages": [
        {"role": "user", "content": "rome trip ideas?"}, {"role": "assistant", "content": "Sure..."},
        {"role": "user", "content": "3 days only"}, {"role": "assistant", "content": "Day 1..."}]},
    {"intent": "fix my python error", "intent_id": "py", "messages": [
        {"role": "system", "content": "fix my python error"},
        {"role": "user", "content": "KeyError help"}, {"role": "assistant", "content": "Show code"}]},
    {"intent": "fix my python error", "intent_id": "py", "messages": [
        {"role": "user", "content": "getting a TypeError"}, {"role": "assistant", "content": "Which line?"},
        {"role": "user", "content": "line 4"}]},
]


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in LOG))
    return path


def state(intent: Intent, *user_and_assistant: str, seed: int = 0) -> ConversationState:
    roles = ["user", "assistant"]
    messages = [Message(role=roles[i % 2], content=t) for i, t in enumerate(user_and_assistant)]
    return ConversationState(intent=intent, messages=messages, seed=seed)


async def test_replays_user_turns_in_order_then_ends(log_file):
    replay = simulators.create("replay", conversations=str(log_file))
    rome = intent_from_text("plan a trip to Rome")  # a run's normalized intent matches the logged text
    [first] = await replay.next_turns([state(rome)])
    [second] = await replay.next_turns([state(rome, "rome trip ideas?", "Sure...")])
    [third] = await replay.next_turns([state(rome, "rome trip ideas?", "Sure...", "3 days only", "Day 1...")])
    assert (first.kind, first.text) == (TurnKind.MESSAGE, "rome trip ideas?")
    assert second.text == "3 days only"
    assert third.kind == TurnKind.END


async def test_exhausted_instead_of_end_when_asked(log_file):
    replay = ReplaySimulator(log_file, end_when_done=False)
    rome = intent_from_text("plan a trip to Rome")
    [turn] = await replay.next_turns([state(rome, "rome trip ideas?", "Sure...", "3 days only", "Day 1...")])
    assert turn.kind == TurnKind.EXHAUSTED and "replayed all 2" in turn.metadata["reason"]


async def test_matches_by_id_picks_by_seed_and_stays_on_one_log(log_file):
    replay = ReplaySimulator(log_file)
    py = Intent(id="py", text="anything")
    firsts = {(await replay.next_turns([state(py, seed=s)]))[0].text for s in range(6)}
    assert firsts == {"KeyError help", "getting a TypeError"}
    # whatever the seed, a conversation that began with the TypeError log continues on it
    for seed in range(4):
        [turn] = await replay.next_turns([state(py, "getting a TypeError", "Which line?", seed=seed)])
        assert turn.text == "line 4"


async def test_unknown_intent_is_exhausted_not_an_error(log_file):
    replay = ReplaySimulator(log_file)
    [turn] = await replay.next_turns([state(Intent(id="zzz", text="learn to knit"))])
    assert turn.kind == TurnKind.EXHAUSTED and "zzz" in turn.metadata["reason"]


def test_logged_intents_and_missing_file(log_file, tmp_path):
    assert [i.text for i in ReplaySimulator(log_file).intents()] == ["plan a trip to Rome", "fix my python error"]
    with pytest.raises(UserError, match="does not exist"):
        ReplaySimulator(tmp_path / "nope.jsonl")


async def test_scripted_same_turns_for_every_intent_then_end():
    scripted = simulators.create("scripted", turns=["hi", "more please"])
    a, b = Intent(id="a", text="x"), Intent(id="b", text="y")
    turns = await scripted.next_turns([state(a), state(b, "hi", "You said: hi")])
    assert [t.text for t in turns] == ["hi", "more please"]
    [done] = await scripted.next_turns([state(a, "hi", "1", "more please", "2")])
    assert done.kind == TurnKind.END


async def test_scripted_per_intent_end_marker_and_exhaustion():
    scripted = ScriptedSimulator(script={"a": ["only a", END_CONVERSATION]}, end_after=False)
    a, other = Intent(id="a", text="x"), Intent(id="other", text="y")
    [first, missing] = await scripted.next_turns([state(a), state(other)])
    assert first.text == "only a" and missing.kind == TurnKind.EXHAUSTED
    [end] = await scripted.next_turns([state(a, "only a", "ok")])
    assert end.kind == TurnKind.END
    with pytest.raises(UserError, match="needs turns"):
        ScriptedSimulator()
