"""The OpenAI-compatible assistant against a real local server with injected faults."""

from __future__ import annotations

import json

import pytest

from simuser.assistants import AssistantRequest, assistants
from simuser.assistants.openai_chat import OpenAIChatAssistant
from simuser.errors import UserError
from simuser.schema import Message
from simuser.testing.fake_openai import FakeOpenAIServer, Fault

FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.02}


def request(text: str, seed: int = 7) -> AssistantRequest:
    return AssistantRequest(messages=[Message(role="user", content=text)], seed=seed, conversation_id=text)


@pytest.fixture
def server():
    with FakeOpenAIServer() as running:
        yield running


def assistant_for(server: FakeOpenAIServer, **options) -> OpenAIChatAssistant:
    return OpenAIChatAssistant(model="fake-model", base_url=server.base_url, **{**FAST, **options})


async def test_normal_reply_sends_the_conversation_and_records_latency(server):
    bot = assistant_for(server, temperature=0.3, max_tokens=50, system_prompt="Be terse.")
    [reply] = await bot.respond([request("hello there")])
    await bot.aclose()
    assert reply.error is None and reply.content == "Echo: hello there"
    assert reply.metadata["latency_s"] > 0 and reply.metadata["finish_reason"] == "stop"
    sent = server.requests_to("/chat/completions")[0].json
    assert sent["model"] == "fake-model" and sent["temperature"] == 0.3 and sent["max_tokens"] == 50
    assert sent["seed"] == 7
    assert sent["messages"] == [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "hello there"}]


async def test_registry_builds_it_by_name(server):
    bot = assistants.create("openai", model="m", base_url=server.base_url)
    assert isinstance(bot, OpenAIChatAssistant)
    assert bot.describe().options["base_url"] == server.base_url


async def test_429_waits_at_least_retry_after_then_succeeds(server):
    server.enqueue(Fault.status(429, retry_after=1))
    bot = assistant_for(server)
    [reply] = await bot.respond([request("again")])
    await bot.aclose()
    assert reply.error is None and reply.content == "Echo: again"
    first, second = server.requests_to("/chat/completions")
    assert second.received_at - first.received_at >= 0.95  # the server's Retry-After, not the 10 ms backoff


@pytest.mark.parametrize("fault", [Fault.status(500), Fault.status(503), Fault.malformed(), Fault.drop()],
                         ids=["500", "503", "malformed", "drop"])
async def test_transient_faults_are_retried(server, fault):
    server.enqueue(fault, fault)
    bot = assistant_for(server)
    [reply] = await bot.respond([request("x")])
    await bot.aclose()
    assert reply.error is None and reply.content == "Echo: x"
    assert server.request_count == 3


async def test_slow_response_times_out_is_retried_then_fails_clearly(server):
    server.enqueue(Fault.delay(2.0), Fault.delay(2.0), Fault.delay(2.0))
    bot = assistant_for(server, timeout=0.2, max_retries=2)
    [reply] = await bot.respond([request("slow")])
    await bot.aclose()
    assert reply.content == ""
    assert "failed after 3 attempts: timed out" in reply.error and "\n" not in reply.error
    assert server.request_count == 3


async def test_one_doomed_conversation_fails_the_others_succeed():
    def doom(body):
        return Fault.status(500, message="boom") if "doomed" in body["messages"][-1]["content"] else None

    with FakeOpenAIServer(fault_rule=doom) as server:
        bot = assistant_for(server, max_retries=2, concurrency=4)
        replies = await bot.respond([request("fine 1"), request("doomed"), request("fine 2")])
        await bot.aclose()
    assert [r.content for r in replies] == ["Echo: fine 1", "", "Echo: fine 2"]
    assert replies[0].error is None and replies[2].error is None
    assert "failed after 3 attempts: HTTP 500: boom" in replies[1].error


async def test_concurrency_bounds_parallel_calls():
    with FakeOpenAIServer(latency_s=0.2) as server:
        bot = assistant_for(server, concurrency=2)
        replies = await bot.respond([request(f"q{i}") for i in range(4)])
        await bot.aclose()
    assert [r.content for r in replies] == [f"Echo: q{i}" for i in range(4)]  # order kept
    assert server.max_in_flight == 2


def test_missing_api_key_variable_is_a_user_error(monkeypatch):
    monkeypatch.delenv("SIMUSER_TEST_KEY", raising=False)
    with pytest.raises(UserError, match="SIMUSER_TEST_KEY is not set; export SIMUSER_TEST_KEY="):
        OpenAIChatAssistant(model="m", base_url="http://127.0.0.1:9/v1", api_key_env="SIMUSER_TEST_KEY")


def test_openai_default_base_url_needs_openai_api_key(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        OpenAIChatAssistant(model="gpt-4o-mini")


async def test_key_goes_in_the_bearer_header_never_in_describe(monkeypatch):
    monkeypatch.setenv("SIMUSER_TEST_KEY", "sk-secret-123")
    with FakeOpenAIServer(api_key="sk-secret-123") as server:
        bot = assistant_for(server, api_key_env="SIMUSER_TEST_KEY")
        [reply] = await bot.respond([request("hi")])
        await bot.aclose()
    assert reply.error is None
    assert server.requests[0].headers["Authorization"] == "Bearer sk-secret-123"
    recorded = json.dumps(bot.describe().model_dump())
    assert "sk-secret-123" not in recorded and "SIMUSER_TEST_KEY" in recorded


async def test_wrong_key_fails_at_once_with_a_hint(monkeypatch):
    monkeypatch.setenv("SIMUSER_TEST_KEY", "wrong")
    with FakeOpenAIServer(api_key="right") as server:
        bot = assistant_for(server, api_key_env="SIMUSER_TEST_KEY")
        [reply] = await bot.respond([request("hi")])
        await bot.aclose()
    assert server.request_count == 1
    assert "HTTP 401" in reply.error and "check the API key" in reply.error


async def test_unreachable_endpoint_check_is_a_user_error():
    with FakeOpenAIServer() as server:
        url = server.base_url
    bot = OpenAIChatAssistant(model="m", base_url=url)
    with pytest.raises(UserError, match="cannot reach .*connection refused; start the server or fix --base-url"):
        await bot.check_reachable()


def test_whole_run_against_the_server_keeps_failures_as_data(tmp_path):
    """scripted user x openai assistant through the engine: one intent's endpoint is down, the other is fine."""
    from simuser.engine import RunConfig, simulate
    from simuser.schema import ComponentSpec, EndReason

    def doom(body):
        return Fault.status(503) if "doomed" in body["messages"][-1]["content"] else None

    with FakeOpenAIServer(fault_rule=doom) as server:
        config = RunConfig(
            intents=[{"id": "ok", "text": "ask twice"}, {"id": "bad", "text": "hit the broken path"}],
            max_turns=2, out=tmp_path / "run",
            simulator=ComponentSpec(name="scripted", options={"script": {"ok": ["one", "two"], "bad": ["doomed"]}}),
            assistant=ComponentSpec(name="openai", options={"model": "m", "base_url": server.base_url,
                                                             "max_retries": 1, **FAST}),
        )
        result = simulate(config, progress=False)
    by_id = {c.intent.id: c for c in result.conversations}
    assert [m.content for m in by_id["ok"].messages] == ["one", "Echo: one", "two", "Echo: two"]
    assert by_id["ok"].end_reason == EndReason.MAX_TURNS
    assert by_id["bad"].end_reason == EndReason.ASSISTANT_ERROR and "HTTP 503" in by_id["bad"].error
