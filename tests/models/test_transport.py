"""Both HTTP transports behind ``pooled_client`` (aiohttp and sharded httpx) give request_json the same
responses and failures: retries, Retry-After, client errors at once, drops, malformed bodies, timeouts."""

from __future__ import annotations

import pytest

from simuser.models.http import (
    AiohttpClient,
    EndpointError,
    PooledClient,
    RetryPolicy,
    pooled_client,
    post_json,
)
from simuser.testing.fake_openai import FakeOpenAIServer, Fault

TRANSPORTS = ["httpx", pytest.param("aiohttp", marks=pytest.mark.skipif(
    __import__("importlib").util.find_spec("aiohttp") is None, reason="aiohttp is not installed"))]


class RecordedSleep:
    def __init__(self):
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_transport_choice(monkeypatch):
    monkeypatch.delenv("SIMUSER_HTTP_TRANSPORT", raising=False)
    assert isinstance(pooled_client(transport="httpx"), PooledClient)
    assert isinstance(pooled_client(transport="aiohttp"), AiohttpClient)
    monkeypatch.setenv("SIMUSER_HTTP_TRANSPORT", "httpx")
    assert isinstance(pooled_client(), PooledClient)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_faults_are_handled_the_same_way(transport):
    sleep = RecordedSleep()
    client = pooled_client(timeout_s=0.5, max_connections=4, transport=transport)
    try:
        with FakeOpenAIServer() as server:
            url = server.base_url + "/completions"
            server.enqueue(Fault.status(429, retry_after=2), Fault.drop(), Fault.malformed(), Fault.delay(1.5))
            body = await post_json(client, url, {"prompt": "abc"}, policy=RetryPolicy(max_retries=4, sleep=sleep))
            assert body["choices"][0]["text"] == "Echo: abc"
            assert sleep.waits[0] == 2.0 and len(sleep.waits) == 4 and server.request_count == 5
            server.enqueue(Fault.status(404, message="no such model"))
            with pytest.raises(EndpointError, match=r"HTTP 404: no such model \(check the base URL"):
                await post_json(client, url, {"prompt": "x"}, policy=RetryPolicy(sleep=sleep))
            server.enqueue(*[Fault.status(502, message="bad gateway")] * 3)
            with pytest.raises(EndpointError, match=r"failed after 3 attempts: HTTP 502: bad gateway"):
                await post_json(client, url, {"prompt": "x"}, policy=RetryPolicy(max_retries=2, sleep=sleep))
            server.enqueue(*[Fault.delay(1.5)] * 2)
            with pytest.raises(EndpointError, match=r"failed after 2 attempts: timed out"):
                await post_json(client, url, {"prompt": "x"}, policy=RetryPolicy(max_retries=1, sleep=sleep))
    finally:
        await client.aclose()
