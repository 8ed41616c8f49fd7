"""The echo assistant: the registered fake used by tests and demos."""

from __future__ import annotations

from simuser.assistants import AssistantRequest, assistants
from simuser.schema import Message


def request(*texts: str) -> AssistantRequest:
    roles = ["user", "assistant"]
    return AssistantRequest(messages=[Message(role=roles[i % 2], content=t) for i, t in enumerate(texts)])


async def test_echoes_the_last_user_message_with_the_prefix():
    bot = assistants.create("echo")
    replies = await bot.respond([request("hi"), request("hi", "You said: hi", "again")])
    assert [r.content for r in replies] == ["You said: hi", "You said: again"]
    assert all(r.error is None and "latency_s" in r.metadata for r in replies)


async def test_custom_prefix_and_deterministic_failures():
    bot = assistants.create("echo", prefix="> ", fail_on="FAIL")
    replies = await bot.respond([request("fine"), request("please FAIL now")])
    assert replies[0].content == "> fine" and replies[0].error is None
    assert replies[1].content == "" and "FAIL" in replies[1].error
    assert bot.describe().options == {"prefix": "> ", "fail_on": "FAIL", "delay_s": 0.0}
