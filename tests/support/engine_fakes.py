"""Protocol-conforming fakes local to the engine tests (the shipped fakes are tested elsewhere)."""

from __future__ import annotations

from simuser.assistants import AssistantReply
from simuser.schema import ComponentSpec
from simuser.users import UserTurn


class CountingUser:
    """Says 'question k about <intent id>' and ends after `end_after` turns (None: never)."""

    def __init__(self, end_after: int | None = None):
        self.end_after = end_after
        self.batch_sizes: list[int] = []
        self.closed = False

    def describe(self):
        return ComponentSpec(name="counting", options={"end_after": self.end_after})

    async def next_turns(self, states):
        self.batch_sizes.append(len(states))
        turns = []
        for state in states:
            if self.end_after is not None and state.turn_index >= self.end_after:
                turns.append(UserTurn.end())
            else:
                turns.append(UserTurn.say(f"question {state.turn_index} about {state.intent.id} seed {state.seed}"))
        return turns

    async def aclose(self):
        self.closed = True


class FlakyAssistant:
    """Echoes, but fails every conversation whose intent id is in `fail_ids`."""

    def __init__(self, fail_ids=()):
        self.fail_ids = set(fail_ids)
        self.calls = 0

    def describe(self):
        return ComponentSpec(name="flaky")

    async def respond(self, requests):
        self.calls += 1
        return [
            AssistantReply.failed("HTTP 500 after 5 retries") if r.conversation_id.split(":")[0] in self.fail_ids
            else AssistantReply(f"answer to: {r.messages[-1].content}", {"n": len(r.messages)})
            for r in requests
        ]

    async def aclose(self):
        pass
