"""The one chat-model interface: every implementation, built by name, one Generation per chat."""

from __future__ import annotations

import pytest

from simuser.errors import UserError
from simuser.models.chat import ChatModel, Sampling, build_chat_model
from simuser.models.templates import render_chat
from simuser.schema import ComponentSpec
from simuser.testing.fake_openai import FakeOpenAIServer, Fault
from simuser.users.userlm_template import render_prompt

CHATS = [[{"role": "user", "content": "hello there"}], [{"role": "user", "content": "second chat"}]]


def shout(chat):
    return chat[-1]["content"].upper()


def fail_on_second(chat):
    if "second" in chat[-1]["content"]:
        raise ValueError("no second chats")
    return "ok"


async def test_callable_model_by_spec_dict_and_name_keeps_order_and_turns_exceptions_into_errors():
    model = build_chat_model({"name": "callable", "options": {"target": f"{__name__}:shout"}})
    assert isinstance(model, ChatModel)
    assert [g.text for g in await model.generate(CHATS, Sampling(), seeds=[1, 2])] == ["HELLO THERE", "SECOND CHAT"]
    failing = build_chat_model(ComponentSpec(name="callable", options={"target": f"{__name__}:fail_on_second"}))
    first, second = await failing.generate(CHATS, Sampling(), seeds=[1, 2])
    assert first.ok and first.text == "ok"
    assert not second.ok and second.error == "ValueError: no second chats"


async def test_seeds_must_match_chats():
    model = build_chat_model({"name": "callable", "options": {"target": f"{__name__}:shout"}})
    with pytest.raises(ValueError, match="seeds"):
        await model.generate(CHATS, Sampling(), seeds=[1])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "nope"}, "unknown chat model 'nope'"),
        ({"name": "openai", "options": {"model": "m", "base_url": "http://x/v1", "temprature": 1}}, "unknown openai chat model option 'temprature'"),
        ({"name": "openai", "options": {"model": "m", "base_url": "http://x/v1", "concurrency": 0}}, "invalid openai chat model option 'concurrency'"),
        ({"name": "callable", "options": {"target": "no_colon"}}, "must look like"),
        ({"name": "transformers", "options": {"batch_size": "many"}}, "invalid transformers chat model option 'batch_size'"),
    ],
)
def test_bad_specs_are_one_line_user_errors(spec, message):
    with pytest.raises(UserError, match=message):
        build_chat_model(spec)


async def test_openai_chat_model_sends_seed_and_sampling_and_records_usage_and_errors():
    def reply(body):
        return "reply to " + body["messages"][-1]["content"]

    with FakeOpenAIServer(reply=reply, fault_rule=lambda body: Fault.status(400) if "second" in str(body) else None) as server:
        model = build_chat_model({"name": "openai", "options": {"base_url": server.base_url, "model": "fake", "max_retries": 0}})
        ok, failed = await model.generate(CHATS, Sampling(max_new_tokens=50, temperature=0.5, top_p=0.9), seeds=[11, 22])
        await model.aclose()
    assert ok.text == "reply to hello there" and ok.usage.completion_tokens == 4 and ok.latency_s >= 0
    assert ok.metadata["finish_reason"] == "stop"
    assert not failed.ok and "400" in failed.error
    sent = sorted((r.json for r in server.requests_to("/chat/completions")), key=lambda b: b["seed"])
    assert [b["seed"] for b in sent] == [11, 22]
    assert sent[0]["temperature"] == 0.5 and sent[0]["top_p"] == 0.9 and sent[0]["max_tokens"] == 50


async def test_greedy_sampling_is_temperature_zero_without_top_p():
    with FakeOpenAIServer() as server:
        model = build_chat_model({"name": "openai", "options": {"base_url": server.base_url, "model": "fake"}})
        await model.generate(CHATS[:1], Sampling(do_sample=False), seeds=[3])
        await model.aclose()
    body = server.requests_to("/chat/completions")[0].json
    assert body["temperature"] == 0.0 and "top_p" not in body


async def test_completions_model_renders_the_userlm_prompt_byte_for_byte():
    chat = [{"role": "system", "content": "You are a user chatting with an assistant language model to cook rice"},
            {"role": "user", "content": "how long for rice?"}, {"role": "assistant", "content": "About 18 minutes."}]
    with FakeOpenAIServer(reply=lambda body: "\nthanks<|eot_id|>") as server:
        model = build_chat_model({"name": "openai-completions", "options": {"base_url": server.base_url, "model": "u"}})
        [generation] = await model.generate([chat], Sampling(stop=("<|eot_id|>",)), seeds=[5])
        await model.aclose()
    prompt = server.requests_to("/completions")[0].json["prompt"]
    assert prompt == render_prompt(chat[0]["content"], chat[1:])
    assert generation.text == "\nthanks"


def test_render_chat_accepts_jinja_source_and_reports_syntax_errors():
    assert render_chat("{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}", CHATS[0]) == "[user]hello there"
    with pytest.raises(UserError, match="chat template line 1"):
        render_chat("{% for m in messages %}", CHATS[0])


async def test_transformers_model_batches_and_reproduces_with_seeds(tiny_chat_dir):
    model = build_chat_model({"name": "transformers", "options": {"model": str(tiny_chat_dir), "device": "cpu"}})
    sampling = Sampling(max_new_tokens=6, temperature=1.0, top_p=0.8)
    first = await model.generate(CHATS, sampling, seeds=[1, 2])
    again = await model.generate(CHATS, sampling, seeds=[1, 2])
    assert [g.text for g in first] == [g.text for g in again]
    assert all(g.ok and g.metadata["batch_size"] == 2 for g in first)
    greedy = await model.generate(CHATS[:1], Sampling(max_new_tokens=6, do_sample=False), seeds=[9])
    assert greedy[0].text == (await model.generate(CHATS[:1], Sampling(max_new_tokens=6, do_sample=False), seeds=[10]))[0].text
