"""The shared retry policy, against the real fake server (faults at the transport, nothing patched)."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from simuser.errors import UserError
from simuser.models.http import EndpointError, RetryPolicy, check_reachable, parse_retry_after, post_json
from simuser.testing.fake_openai import FakeOpenAIServer, Fault


class RecordedSleep:
    """Records the waits instead of waiting, so tests check the policy, not the clock."""

    def __init__(self):
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_parse_retry_after_seconds_date_and_garbage():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-4") == 0.0
    now = time.time()
    header = email.utils.formatdate(now + 10, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(10, abs=1.0)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_is_full_jitter_below_the_exponential_ceiling():
    policy = RetryPolicy(backoff_base_s=0.5, backoff_max_s=3.0)
    draws = [policy.backoff_s(attempt) for attempt in range(6) for _ in range(50)]
    assert all(0.0 <= d <= 3.0 for d in draws)
    assert max(policy.backoff_s(0) for _ in range(50)) <= 0.5
    assert len({round(d, 6) for d in draws}) > 100  # jittered, not a fixed schedule


async def test_retry_after_seconds_and_date_are_honoured_and_capped():
    sleep = RecordedSleep()
    policy = RetryPolicy(max_retries=3, retry_after_max_s=30.0, sleep=sleep)
    date = email.utils.formatdate(time.time() + 20, usegmt=True)
    with FakeOpenAIServer() as server:
        server.enqueue(Fault.status(429, retry_after=2), Fault.status(503, retry_after=date),
                       Fault.status(429, retry_after=3600))
        async with httpx.AsyncClient() as client:
            body = await post_json(client, server.base_url + "/chat/completions",
                                   {"model": "m", "messages": [{"role": "user", "content": "hi"}]}, policy=policy)
    assert body["choices"][0]["message"]["content"] == "Echo: hi"
    assert sleep.waits[0] == 2.0
    assert 17.0 <= sleep.waits[1] <= 20.0
    assert sleep.waits[2] == 30.0  # capped
    assert server.request_count == 4


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_fail_at_once_with_one_line(status: int):
    sleep = RecordedSleep()
    with FakeOpenAIServer() as server:
        server.enqueue(Fault.status(status, message="nope"))
        async with httpx.AsyncClient() as client:
            with pytest.raises(EndpointError) as info:
                await post_json(client, server.base_url + "/chat/completions", {}, policy=RetryPolicy(sleep=sleep))
    assert server.request_count == 1 and sleep.waits == []
    message = str(info.value)
    assert f"HTTP {status}: nope" in message and "\n" not in message


async def test_gives_up_after_max_retries_with_the_last_cause():
    sleep = RecordedSleep()
    with FakeOpenAIServer(fault_rule=lambda body: Fault.status(502, message="bad gateway")) as server:
        async with httpx.AsyncClient() as client:
            with pytest.raises(EndpointError, match=r"failed after 3 attempts: HTTP 502: bad gateway"):
                await post_json(client, server.base_url + "/completions", {"prompt": "x"},
                                policy=RetryPolicy(max_retries=2, sleep=sleep))
    assert server.request_count == 3 and len(sleep.waits) == 2


async def test_connection_drop_and_malformed_body_are_retried():
    sleep = RecordedSleep()
    with FakeOpenAIServer() as server:
        server.enqueue(Fault.drop(), Fault.malformed())
        async with httpx.AsyncClient() as client:
            body = await post_json(client, server.base_url + "/completions", {"prompt": "abc"},
                                   policy=RetryPolicy(sleep=sleep))
    assert body["choices"][0]["text"] == "Echo: abc"
    assert server.request_count == 3 and len(sleep.waits) == 2


async def test_check_reachable_turns_a_dead_port_into_a_user_error():
    with FakeOpenAIServer() as server:
        url = server.base_url
        await check_reachable(url)  # alive: no error
    with pytest.raises(UserError, match=r"cannot reach http://127\.0\.0\.1:\d+/v1: connection refused; start the server"):
        await check_reachable(url)
