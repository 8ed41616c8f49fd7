"""The local transformers assistant: one batched generate call for all requests of a step."""

from __future__ import annotations

import pytest

from simuser.assistants import AssistantRequest, assistants
from simuser.schema import Message


def request(text: str, seed: int = 0) -> AssistantRequest:
    return AssistantRequest(messages=[Message(role="user", content=text)], seed=seed)


async def test_tiny_model_answers_a_batch_reproducibly(tiny_chat_dir):
    bot = assistants.create("transformers", model=str(tiny_chat_dir), max_new_tokens=8, system_prompt="Be kind.")
    requests = [request("hello", 1), request("plan a trip to Rome please", 2)]
    first = await bot.respond(requests)
    again = await bot.respond(requests)
    await bot.aclose()
    assert len(first) == 2 and all(r.error is None for r in first)
    assert all(r.metadata["batch_size"] == 2 and r.metadata["latency_s"] > 0 for r in first)
    assert [r.content for r in first] == [r.content for r in again]  # same seeds, same replies
    assert bot.describe().options["system_prompt"] == "Be kind."


@pytest.mark.slow
async def test_embedded_model_answers_two_requests():
    bot = assistants.create("transformers", max_new_tokens=24)
    replies = await bot.respond([request("What is the capital of France?"), request("Give me a synonym for happy.")])
    assert [r.error for r in replies] == [None, None]
    assert all(len(r.content.split()) >= 1 for r in replies), [r.content for r in replies]
