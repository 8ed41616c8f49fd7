"""The assistant-under-test protocol.

Like simulators, assistants are called with a batch: one request per active conversation, in order,
one reply each. Local models use the batch for one padded ``generate`` call; remote and Python-callable
assistants answer the requests concurrently (see :func:`gather_limited`), bounded by the run's
``--concurrency``.

An assistant never raises for one failing conversation: it returns an :class:`AssistantReply` with
``error`` set, and the engine ends that conversation with ``assistant_error`` while the run goes on.

Example, the smallest assistant::

    class Shout:
        def describe(self):
            return ComponentSpec(name="shout")

        async def respond(self, requests):
            return [AssistantReply(r.messages[-1].content.upper()) for r in requests]

        async def aclose(self): ...
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from simuser.models.chat import ChatModel, Generation, Sampling
from simuser.models.concurrency import gather_limited
from simuser.schema import ComponentSpec, Message

__all__ = ["Assistant", "AssistantReply", "AssistantRequest", "gather_limited", "generate_replies", "timed_reply"]


@dataclass(frozen=True)
class AssistantRequest:
    """The conversation so far (ending with a user message) and a per-turn seed.

    ``tool_state`` is the state the agent's tools have left so far in this conversation (None before the
    first tool ran and no task gave one); an assistant with tools starts from a copy and returns the new state.
    """

    messages: Sequence[Message]
    seed: int = 0
    conversation_id: str = ""
    tool_state: dict[str, Any] | None = None

    def openai_messages(self) -> list[dict[str, Any]]:
        """The history in OpenAI's format, the agent's own tool calls and results included."""
        return [m.to_openai() for m in self.messages]


@dataclass
class AssistantReply:
    """The reply; an agent with tools also returns the tool calls and results that came before it
    (``messages``, recorded in order even when the turn failed) and the tools' new ``tool_state``."""

    content: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    messages: list[Message] = field(default_factory=list)
    tool_state: dict[str, Any] | None = None

    @classmethod
    def failed(cls, error: str, **metadata: Any) -> AssistantReply:
        return cls("", dict(metadata), error)


@runtime_checkable
class Assistant(Protocol):
    """The system under test."""

    def describe(self) -> ComponentSpec: ...

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]: ...

    async def aclose(self) -> None: ...


async def timed_reply(call: Awaitable[AssistantReply]) -> AssistantReply:
    """Await a reply and record its latency in the reply's metadata."""
    start = time.perf_counter()
    reply = await call
    reply.metadata.setdefault("latency_s", round(time.perf_counter() - start, 4))
    return reply


async def generate_replies(
    model: ChatModel, requests: Sequence[AssistantRequest], sampling: Sampling, system_prompt: str | None = None
) -> list[AssistantReply]:
    """One reply per request from a :class:`ChatModel`, keyed by conversation (so a local model can keep its cache).

    ``system_prompt`` is put first unless the conversation already starts with a system message.
    """
    if not requests:
        return []
    chats = [with_system_prompt(r.openai_messages(), system_prompt) for r in requests]
    keys = [r.conversation_id or None for r in requests]
    return [reply_from(g) for g in await model.generate(chats, sampling, [r.seed for r in requests], keys)]


def with_system_prompt(messages: list[dict[str, str]], system_prompt: str | None) -> list[dict[str, str]]:
    if system_prompt and not (messages and messages[0]["role"] == "system"):
        messages.insert(0, {"role": "system", "content": system_prompt})
    return messages


def reply_from(generation: Generation) -> AssistantReply:
    """A :class:`Generation` as an assistant reply: latency, usage and the model's metadata kept."""
    if not generation.ok:
        return AssistantReply.failed(generation.error or "generation failed", latency_s=generation.latency_s)
    metadata: dict[str, Any] = {**generation.metadata, "latency_s": generation.latency_s}
    if generation.usage is not None:
        metadata["usage"] = asdict(generation.usage)
    return AssistantReply(generation.text, metadata)
