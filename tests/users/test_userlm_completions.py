"""The completions backend against a real local HTTP server (the fake OpenAI-compatible one)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from simuser.engine import RunConfig, simulate
from simuser.schema import ComponentSpec, Intent, Message
from simuser.testing.fake_openai import FakeOpenAIServer, Fault
from simuser.tokens import END_CONVERSATION, END_OF_TURN, START_HEADER
from simuser.users import ConversationState, TurnKind, simulators
from simuser.users.banned_openings import opens_with_banned_word
from simuser.users.userlm_completions import UserLMCompletionsSimulator
from simuser.users.userlm_template import render_prompt

INTENT = Intent(id="trip", text="You are a user chatting with an assistant language model to plan a trip to Lisbon")


def state(*texts: str, seed: int = 7) -> ConversationState:
    roles = ["user", "assistant"] * len(texts)
    return ConversationState(INTENT, tuple(Message(role=r, content=t) for r, t in zip(roles, texts, strict=False)), seed)


class Script:
    """Replies in order per prompt: the n-th request for a prompt gets the n-th scripted text."""

    def __init__(self, *texts: str, default: str = "Can you suggest a good neighbourhood to stay in?"):
        self.texts, self.default = texts, default
        self.calls: dict[str, int] = defaultdict(int)

    def __call__(self, body) -> str:
        n = self.calls[body["prompt"]]
        self.calls[body["prompt"]] += 1
        return self.texts[n] if n < len(self.texts) else self.default


def simulator(fake: FakeOpenAIServer, **options) -> UserLMCompletionsSimulator:
    return simulators.create("userlm-completions", base_url=fake.base_url, model="userlm", **options)


async def test_request_is_the_userlm_prompt_on_the_raw_completions_endpoint():
    with FakeOpenAIServer(reply=Script()) as server:
        sim = simulator(server, server="vllm", temperature=0.9, max_new_tokens=40)
        turns = await sim.next_turns([state("Plan a trip to Lisbon", "Sure! When?")])
        await sim.aclose()
    assert turns[0].kind is TurnKind.MESSAGE
    assert turns[0].text == "Can you suggest a good neighbourhood to stay in?"
    [request] = server.requests_to("/completions")
    body = request.json
    history = [{"role": "user", "content": "Plan a trip to Lisbon"}, {"role": "assistant", "content": "Sure! When?"}]
    assert body["prompt"] == render_prompt(INTENT.text, history)
    assert body["stop"] == [END_OF_TURN]
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("userlm", 40, 0.9)
    assert body["skip_special_tokens"] is False and body["add_special_tokens"] is False  # the vLLM profile
    assert isinstance(body["seed"], int)
    assert not server.requests_to("/chat/completions")


async def test_seeds_are_reproducible_and_differ_between_conversations():
    with FakeOpenAIServer(reply=Script()) as server:
        sim = simulator(server)
        for seed in (1, 2, 1):  # one at a time: concurrent requests may reach the server in either order
            await sim.next_turns([state("hi there", "hello", seed=seed)])
        await sim.aclose()
    seeds = [r.json["seed"] for r in server.requests_to("/completions")]
    assert seeds[0] != seeds[1] and seeds[2] == seeds[0]


async def test_a_turn_opening_with_a_banned_word_is_regenerated_and_recorded():
    script = Script("I need a hotel in Lisbon please", "Here is what I want to know")
    with FakeOpenAIServer(reply=script) as server:
        sim = simulator(server)
        [turn] = await sim.next_turns([state()])
        await sim.aclose()
    assert turn.text == "Can you suggest a good neighbourhood to stay in?"
    assert turn.metadata["banned_opening_rejections"] == ["I need a hotel in Lisbon please", "Here is what I want to know"]
    assert len(server.requests_to("/completions")) == 3
    assert opens_with_banned_word("I'm lost", ["I"]) and not opens_with_banned_word("It is late", ["I"])


async def test_end_marker_is_banned_by_logit_bias_before_min_turns(tiny_userlm_dir):
    from transformers import AutoTokenizer

    end_id = AutoTokenizer.from_pretrained(tiny_userlm_dir).get_vocab()[END_CONVERSATION]
    with FakeOpenAIServer(reply=Script()) as server:
        sim = simulator(server, tokenizer=str(tiny_userlm_dir), min_turns_before_end=2)
        turns = await sim.next_turns([state(), state("a first question here", "an answer"),
                                      state("q one is here", "a", "q two is here", "b")])
        await sim.aclose()
    biases = {r.json["prompt"].count("<|start_header_id|>user"): r.json.get("logit_bias")
              for r in server.requests_to("/completions")}
    assert biases == {1: {str(end_id): -100.0}, 2: {str(end_id): -100.0}, 3: None}
    assert [t.metadata.get("end_ban") for t in turns] == ["logit_bias", "logit_bias", None]


async def test_an_early_end_is_regenerated_when_the_server_cannot_ban_it():
    with FakeOpenAIServer(reply=Script(END_CONVERSATION, END_CONVERSATION)) as server:
        sim = simulator(server)  # no tokenizer and a server without /tokenize: no token id
        [first] = await sim.next_turns([state()])
        [later] = await sim.next_turns([state("where should we stay", "Alfama is nice")])
        await sim.aclose()
    assert first.kind is TurnKind.MESSAGE and first.metadata["end_ban"] == "regenerate"
    assert [r["reason"] for r in first.metadata["rejections"]] == ["early_end", "early_end"]
    assert later.kind is TurnKind.END
    assert all("logit_bias" not in r.json for r in server.requests_to("/completions"))


async def test_text_after_the_turn_is_cut():
    spilled = f"Which area is quiet at night?{END_OF_TURN}{START_HEADER}assistant"
    with FakeOpenAIServer(reply=Script(spilled)) as server:
        sim = simulator(server)
        [turn] = await sim.next_turns([state()])
        await sim.aclose()
    assert turn.text == "Which area is quiet at night?"


async def test_a_failing_endpoint_exhausts_only_that_conversation_without_retry_storms():
    def fault(body):
        return Fault.status(500) if "broken" in body["prompt"] else None

    with FakeOpenAIServer(reply=Script(), fault_rule=fault) as server:
        sim = simulator(server, http_retries=1, backoff_base_s=0.0)
        turns = await sim.next_turns([state("this is broken", "x"), state("this works", "y")])
        await sim.aclose()
    assert turns[0].kind is TurnKind.EXHAUSTED and "endpoint error" in turns[0].metadata["reason"]
    assert turns[1].kind is TurnKind.MESSAGE
    broken = [r for r in server.requests_to("/completions") if "broken" in r.json["prompt"]]
    assert len(broken) == 2  # one request and one HTTP retry; the guardrail retries do not call again


def test_unknown_option_and_unreachable_server_are_user_errors():
    from simuser.errors import UserError

    with pytest.raises(UserError, match="unknown userlm-completions option 'temp'"):
        UserLMCompletionsSimulator(base_url="http://127.0.0.1:9/v1", model="m", temp=1)
    sim = UserLMCompletionsSimulator(base_url="http://127.0.0.1:9/v1", model="m")
    with pytest.raises(UserError, match="cannot reach"):
        import asyncio

        asyncio.run(sim.next_turns([state()]))


def test_a_whole_run_through_the_engine(tmp_path):
    with FakeOpenAIServer(reply=Script()) as server:
        config = RunConfig(
            intents=[INTENT], n=3, max_turns=2, out=tmp_path / "run",
            simulator=ComponentSpec(name="userlm-completions", options={"base_url": server.base_url, "model": "u"}),
            assistant=ComponentSpec(name="echo"),
        )
        result = simulate(config, progress=False)
    assert result.summary.conversations == 3 and result.summary.user_turns == 6
    assert all(c.simulator.name == "userlm-completions" for c in result.conversations)
