"""No step barrier for endpoints: a conversation whose reply is back takes its next user turn without
waiting for the slowest reply of its step, one simulator call at a time, turns in order, latencies kept."""

from __future__ import annotations

import asyncio
import time

from engine_fakes import CountingUser

from simuser.assistants import AssistantReply
from simuser.engine import RunConfig, simulate
from simuser.schema import ComponentSpec, EndReason, Intent

SLOW_S, FAST_S = 0.4, 0.01


class OneAtATimeUser(CountingUser):
    """CountingUser that fails the test if two simulator calls ever overlap."""

    def __init__(self):
        super().__init__()
        self.busy = False

    async def next_turns(self, states):
        assert not self.busy, "two simulator calls at once"
        self.busy = True
        try:
            await asyncio.sleep(0.002)
            return await super().next_turns(states)
        finally:
            self.busy = False


class SpreadAssistant:
    """An endpoint-like assistant: intent `slow` answers in SLOW_S, the rest in FAST_S."""

    independent_requests = True

    def __init__(self):
        self.in_flight = self.most_in_flight = 0

    def describe(self):
        return ComponentSpec(name="spread")

    async def respond(self, requests):
        return list(await asyncio.gather(*(self._one(r) for r in requests)))

    async def _one(self, request):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(SLOW_S if request.conversation_id.startswith("slow:") else FAST_S)
        finally:
            self.in_flight -= 1
        return AssistantReply(f"answer to: {request.messages[-1].content}")

    async def aclose(self):
        pass


def config(**overrides):
    intents = [Intent(id="slow", text="You are a user chatting with an assistant language model to wait")]
    intents += [Intent(id=f"f{k}", text=f"You are a user chatting with an assistant language model to go {k}") for k in range(5)]
    return RunConfig(**{"intents": intents, "n": 1, "max_turns": 3, "batch_size": 8, "concurrency": 8, **overrides})


def test_fast_conversations_finish_before_the_slow_one_gets_its_second_reply():
    finished: dict[str, float] = {}
    start = time.perf_counter()

    class Clock:
        def start(self, total, done): ...
        def stop(self): ...
        def conversation_finished(self, conversation):
            finished[conversation.intent.id] = time.perf_counter() - start

    result = simulate(config(), simulator=OneAtATimeUser(), assistant=SpreadAssistant(), progress=Clock())
    assert max(t for k, t in finished.items() if k != "slow") < SLOW_S, finished
    assert finished["slow"] >= 3 * SLOW_S
    for conversation in result.conversations:
        assert conversation.end_reason is EndReason.MAX_TURNS
        contents = [m.content for m in conversation.messages]
        expected = []
        for turn in range(3):
            question = f"question {turn} about {conversation.intent.id} seed "
            assert contents[2 * turn].startswith(question), contents
            expected.append(f"answer to: {contents[2 * turn]}")
        assert contents[1::2] == expected, "each reply follows its own question, in order"
        per_reply = SLOW_S if conversation.intent.id == "slow" else FAST_S
        assert 3 * per_reply <= conversation.timings.assistant_s < 3 * per_reply + 0.25, "each turn's own latency"
        assert all("batch_latency_s" in m.metadata for m in conversation.messages if m.role == "user")


def test_concurrency_bounds_calls_in_flight_and_batch_size_bounds_active_conversations():
    user, assistant = OneAtATimeUser(), SpreadAssistant()
    result = simulate(config(concurrency=2, batch_size=3), simulator=user, assistant=assistant, progress=False)
    assert len(result.conversations) == 6
    assert assistant.most_in_flight == 2
    assert max(user.batch_sizes) <= 3
