"""The user-simulator protocol.

A simulator is stateless with respect to conversations: the engine hands it the states of *all* active
conversations at once and gets back one :class:`UserTurn` per state, in order. Batching is the point:
local models generate every active conversation's next turn in one padded ``generate`` call.

Example, a simulator that always asks the same thing twice and then leaves::

    class Parrot:
        def describe(self) -> ComponentSpec:
            return ComponentSpec(name="parrot")

        async def next_turns(self, states):
            return [UserTurn.end() if len(s.user_messages) >= 2 else UserTurn.say("Tell me more?")
                    for s in states]

        async def aclose(self) -> None: ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from simuser.population import Persona
from simuser.schema import ComponentSpec, Intent, Message, user_visible


@dataclass(frozen=True)
class ConversationState:
    """What a simulator sees: the intent, the history so far, a seed for this turn, and who the user is
    (``persona``: the conversation's persona from ``--population``, or None).

    ``messages`` is the user's view of the history: tool calls and tool results are filtered out on
    construction (see :func:`simuser.schema.user_visible`), so no simulator can see the agent's tools,
    however the state was built.

    ``key`` names the conversation (the engine sets ``"intent_id:sample_index"``): a local simulator keeps
    that conversation's KV cache under it between turns, until the engine calls ``release(key)``.
    """

    intent: Intent
    messages: Sequence[Message]
    seed: int = 0
    key: str | None = None
    persona: Persona | None = None

    def __post_init__(self) -> None:
        if any(m.is_tool_traffic for m in self.messages):
            object.__setattr__(self, "messages", tuple(user_visible(list(self.messages))))

    @property
    def user_messages(self) -> list[Message]:
        return [m for m in self.messages if m.role == "user"]

    @property
    def turn_index(self) -> int:
        """0 for the first user turn, 1 for the second, ..."""
        return len(self.user_messages)

    def openai_messages(self) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in self.messages]


class TurnKind(StrEnum):
    MESSAGE = "message"  # the user says something
    END = "end"  # the user ends the conversation
    EXHAUSTED = "exhausted"  # the simulator has nothing more to say (replay ran out, backend gave up)


@dataclass
class UserTurn:
    kind: TurnKind
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def say(cls, text: str, **metadata: Any) -> UserTurn:
        return cls(TurnKind.MESSAGE, text, dict(metadata))

    @classmethod
    def end(cls, **metadata: Any) -> UserTurn:
        return cls(TurnKind.END, "", dict(metadata))

    @classmethod
    def exhausted(cls, reason: str = "", **metadata: Any) -> UserTurn:
        return cls(TurnKind.EXHAUSTED, "", {"reason": reason, **metadata})


@runtime_checkable
class UserSimulator(Protocol):
    """Produces the next user turn for a batch of conversations."""

    def describe(self) -> ComponentSpec:
        """Name and options, recorded in the run so it can be rebuilt (no secrets)."""
        ...

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        """One turn per state, same order. Must not raise for one bad conversation: return exhausted."""
        ...

    async def aclose(self) -> None:
        """Release models, clients, servers."""
        ...
