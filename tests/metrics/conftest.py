"""Builders and fakes for the metric tests: hand-made conversations and tiny simulators."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from simuser.schema import ComponentSpec, Conversation, EndReason, Intent, Message
from simuser.users.base import ConversationState, UserTurn

PREFIX = "You are a user chatting with an assistant language model to"


def build_conversation(intent: str, *turns: str, intent_id: str | None = None, sample: int = 0,
                       end: EndReason | None = None) -> Conversation:
    """Alternating user/assistant messages, starting with the user."""
    messages = [Message(role="user" if i % 2 == 0 else "assistant", content=t) for i, t in enumerate(turns)]
    return Conversation(intent=Intent(id=intent_id or intent, text=intent), messages=messages, sample_index=sample,
                        end_reason=end)


@pytest.fixture
def convo() -> Callable[..., Conversation]:
    return build_conversation


class RuleSimulator:
    """A fake simulator: ``rule(state, index_in_batch) -> UserTurn``; records every state it saw."""

    def __init__(self, rule: Callable[[ConversationState, int], UserTurn]):
        self.rule = rule
        self.seen: list[ConversationState] = []
        self.closed = False

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="rule-fake")

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        self.seen.extend(states)
        return [self.rule(state, i) for i, state in enumerate(states)]

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def rule_simulator() -> type[RuleSimulator]:
    return RuleSimulator
