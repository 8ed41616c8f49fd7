"""The prompted baseline: role flip, prompt, parsing; against the fake OpenAI server and local models."""

from __future__ import annotations

import pytest

from simuser.errors import UserError
from simuser.schema import Intent, Message
from simuser.testing.fake_openai import FakeOpenAIServer, Fault
from simuser.tokens import END_CONVERSATION
from simuser.users import ConversationState, TurnKind, simulators
from simuser.users.prompted import PromptedSimulator, flip_roles, parse_turn

TRIP = Intent(id="trip", text="You are a user chatting with an assistant language model to plan a trip to Rome")
FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.02}


def state(*user_and_assistant: str, seed: int = 0, intent: Intent = TRIP) -> ConversationState:
    roles = ["user", "assistant"]
    messages = [Message(role=roles[i % 2], content=t) for i, t in enumerate(user_and_assistant)]
    return ConversationState(intent=intent, messages=messages, seed=seed)


def endpoint_user(server: FakeOpenAIServer, **options) -> PromptedSimulator:
    return simulators.create("prompted", backend="openai", base_url=server.base_url, model="fake", **{**FAST, **options})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("User: can you help me plan a trip?", ("can you help me plan a trip?", False)),
        ('"rome in may, 3 days"', ("rome in may, 3 days", False)),
        ("**User:** cheaper hotels?\nAssistant: Sure, here are some", ("cheaper hotels?", False)),
        (f"thanks, that's all {END_CONVERSATION}", ("", True)),
        ("<endconversation>", ("", True)),
        ("<|End Conversation|>", ("", True)),
        ("the conversation ends when I say so", ("the conversation ends when I say so", False)),
        ("   ", ("", False)),
    ],
)
def test_parse_turn(raw, expected):
    assert parse_turn(raw) == expected


def test_flip_roles_swaps_user_and_assistant_and_drops_system():
    history = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]
    assert flip_roles(history) == [{"role": "assistant", "content": "u"}, {"role": "user", "content": "a"}]


async def test_first_turn_request_has_system_prompt_and_start_message():
    with FakeOpenAIServer(reply=lambda body: "User: hey, can u help me plan a rome trip") as server:
        user = endpoint_user(server, temperature=0.9, top_p=0.8, max_new_tokens=40)
        [turn] = await user.next_turns([state(seed=5)])
        await user.aclose()
    assert (turn.kind, turn.text) == (TurnKind.MESSAGE, "hey, can u help me plan a rome trip")
    sent = server.requests_to("/chat/completions")[0].json
    system, start = sent["messages"]
    assert system["role"] == "system" and TRIP.text in system["content"] and END_CONVERSATION in system["content"]
    assert "You are the user, not the assistant" in system["content"]
    assert start == {"role": "user", "content": "Start the conversation."}
    assert (sent["temperature"], sent["top_p"], sent["max_tokens"], sent["seed"]) == (0.9, 0.8, 40, 5)


async def test_later_turns_send_the_history_with_roles_swapped():
    with FakeOpenAIServer(reply=lambda body: "3 days, cheap") as server:
        user = endpoint_user(server)
        [turn] = await user.next_turns([state("plan rome trip", "Sure! How many days?")])
        await user.aclose()
    assert turn.text == "3 days, cheap"
    messages = server.requests[0].json["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2:] == [{"role": "assistant", "content": "plan rome trip"},
                            {"role": "user", "content": "Sure! How many days?"}]


async def test_end_marker_ends_the_conversation():
    with FakeOpenAIServer(reply=lambda body: f"great, thanks! {END_CONVERSATION}") as server:
        user = endpoint_user(server)
        [turn] = await user.next_turns([state("plan rome trip", "Here is a plan.")])
        await user.aclose()
    assert turn.kind == TurnKind.END and END_CONVERSATION in turn.metadata["raw"]


async def test_empty_output_is_regenerated_once_with_a_new_seed_then_exhausted():
    replies = {"n": 0}

    def empty_then_text(body):
        replies["n"] += 1
        return "" if "blank" in body["messages"][0]["content"] or replies["n"] == 1 else "ok then"

    blank = Intent(id="blank", text="You are a user ... blank forever")
    with FakeOpenAIServer(reply=empty_then_text) as server:
        user = endpoint_user(server, concurrency=1)
        turns = await user.next_turns([state(seed=1), state(seed=2, intent=blank)])
        await user.aclose()
    assert turns[0].kind == TurnKind.MESSAGE and turns[0].text == "ok then" and turns[0].metadata["regenerated"]
    assert turns[1].kind == TurnKind.EXHAUSTED and "empty turn twice" in turns[1].metadata["reason"]
    seeds = [r.json["seed"] for r in server.requests if "blank" in r.json["messages"][0]["content"]]
    assert len(seeds) == 2 and seeds[0] != seeds[1]


async def test_endpoint_failure_exhausts_only_that_conversation():
    def fail_rome(body):
        return Fault.status(500, message="down") if "Rome" in body["messages"][0]["content"] else None

    other = Intent(id="py", text="You are a user ... to fix a python bug")
    with FakeOpenAIServer(reply=lambda body: "it crashes", fault_rule=fail_rome) as server:
        user = endpoint_user(server, max_retries=1)
        failed, fine = await user.next_turns([state(), state(intent=other)])
        await user.aclose()
    assert failed.kind == TurnKind.EXHAUSTED and "HTTP 500: down" in failed.metadata["reason"]
    assert fine.text == "it crashes"


def test_options_errors_and_custom_prompt_file(tmp_path):
    with pytest.raises(UserError, match="unknown prompted backend 'vllm'; choose one of: transformers, openai"):
        PromptedSimulator(backend="vllm")
    with pytest.raises(UserError, match="needs a model name"):
        PromptedSimulator(backend="openai", base_url="http://127.0.0.1:9/v1")
    custom = tmp_path / "terse.md"
    custom.write_text('{% set start_message = "Go." %}Goal: {{ intent }}. Say {{ end_marker }} when done.')
    user = PromptedSimulator(backend="openai", base_url="http://127.0.0.1:9/v1", model="m", prompt_file=str(custom))
    system, start = user.chat_for(state())
    assert system["content"] == f"Goal: {TRIP.text}. Say {END_CONVERSATION} when done." and start["content"] == "Go."
    assert user.describe().options["prompt_file"] == str(custom)


async def test_tiny_local_model_backend_returns_one_turn_per_state(tiny_chat_dir):
    user = simulators.create("prompted", model=str(tiny_chat_dir), max_new_tokens=6)
    turns = await user.next_turns([state(seed=1), state("hi", "hello", seed=2)])
    assert len(turns) == 2 and all(t.kind in set(TurnKind) for t in turns)
    assert user.describe().options["backend"] == "transformers"


@pytest.mark.slow
async def test_embedded_model_writes_a_user_turn():
    user = simulators.create("prompted", max_new_tokens=40)
    turns = await user.next_turns([state(seed=1), state(seed=2)])
    assert any(t.kind == TurnKind.MESSAGE and t.text.strip() for t in turns), turns
