"""``original``: asks the intent's fully specified question once, then leaves.

The single-turn baseline of the reality gap (condition ``original`` of ``simuser gap``): what a
benchmark does when it hands the assistant a well-formed question. The question comes from the intent's
``metadata["question"]`` (task runs put it there); an intent without one is reported exhausted.
"""

from __future__ import annotations

from collections.abc import Sequence

from simuser.schema import ComponentSpec
from simuser.users.base import ConversationState, UserTurn


class QuestionSimulator:
    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="original", description="the task's question, asked once")

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        return [self._next(state) for state in states]

    async def aclose(self) -> None:
        pass

    def _next(self, state: ConversationState) -> UserTurn:
        question = state.intent.metadata.get("question")
        if not question:
            return UserTurn.exhausted(f"intent '{state.intent.id}' has no metadata.question to ask")
        return UserTurn.say(str(question)) if state.turn_index == 0 else UserTurn.end()
