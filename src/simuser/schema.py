"""The one conversation schema, versioned.

Everything simuser writes or reads crosses this boundary: the engine produces :class:`Conversation`
records, the store appends them to ``conversations.jsonl``, and metrics and reports read only them, so a
run can be re-scored years later. Bump :data:`SCHEMA_VERSION` on any incompatible change and teach
:func:`Conversation.model_validate` to upgrade old records.

Message roles follow OpenAI's chat format. The intent is *not* a message: it is the simulator's
system prompt, stored once on the conversation.
"""

from __future__ import annotations

import json
import time
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from simuser.redact import redact_text
from simuser.tokens import INTENT_PREFIX

SCHEMA_VERSION = "1.0"

Role = Literal["system", "user", "assistant", "tool"]


class EndReason(StrEnum):
    """Why a conversation stopped; set exactly once, when it stops."""

    USER_ENDED = "user_ended"  # the simulator emitted the end-of-conversation marker
    MAX_TURNS = "max_turns"  # the run's --max-turns user turns were reached
    ASSISTANT_ERROR = "assistant_error"  # the assistant failed after its retries
    SIMULATOR_EXHAUSTED = "simulator_exhausted"  # the simulator had nothing more to say (e.g. replay ran out)
    TOOL_STOP = "tool_stop"  # the agent called a tool named by --stop-on-tool
    TASK_SOLVED = "task_solved"  # a reply passed the task's check (simuser.tasks) and the run stops at success
    SIMULATOR_ERROR = "simulator_error"  # the simulator raised; the run went on without this conversation
    TIMED_OUT = "timed_out"  # the run's --conversation-timeout passed (checked after each exchange)


class Intent(BaseModel):
    """A high-level goal the simulated user pursues, e.g. 'You are a user ... to plan a trip'."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class ToolFunction(BaseModel):
    """The function part of an OpenAI tool call; ``arguments`` is a JSON string, as the API sends it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: str = "{}"


class ToolCall(BaseModel):
    """One tool call an assistant message asks for (OpenAI's ``tool_calls[i]``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["function"] = "function"
    function: ToolFunction

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict; ``{}`` when the model sent malformed JSON (the tool reports that)."""
        try:
            value = json.loads(self.function.arguments or "{}")
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}


class Message(BaseModel):
    """One chat message. ``metadata`` holds per-turn facts: latency, guardrail rejections, retrieval.

    Tool traffic follows OpenAI's format: an assistant message may carry ``tool_calls``; each result is a
    ``tool`` message with the ``tool_call_id`` it answers and the tool's ``name``. These fields are left
    out of the record when unset, so conversations without tools read and write as before.
    """

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None

    @model_serializer(mode="wrap")
    def _omit_unset_tool_fields(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        for key in _TOOL_FIELDS:
            if data.get(key) is None:
                data.pop(key, None)
        return data

    @property
    def is_tool_traffic(self) -> bool:
        """A tool result, or an assistant message that calls tools: the agent's side, not the user's."""
        return self.role == "tool" or bool(self.tool_calls)

    def to_openai(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.model_dump() for call in self.tool_calls]
        if self.role == "tool":
            message.update({"tool_call_id": self.tool_call_id, "name": self.name})
        return message


_TOOL_FIELDS = ("tool_calls", "tool_call_id", "name")


def user_visible(messages: list[Message] | tuple[Message, ...]) -> list[Message]:
    """What the user of a chat UI sees: no tool results, no tool calls, only what the agent *says*.

    Tool messages are dropped; an assistant message that called tools keeps its text without the calls,
    and disappears when it had none.
    """
    visible = []
    for message in messages:
        if message.role == "tool":
            continue
        if message.tool_calls:
            if not message.content.strip():
                continue
            message = message.model_copy(update={"tool_calls": None})
        visible.append(message)
    return visible


class ComponentSpec(BaseModel):
    """Name and options of a backend: enough to rebuild it. Secrets never go here."""

    model_config = ConfigDict(extra="forbid")

    name: str
    options: dict[str, Any] = Field(default_factory=dict)
    description: str = ""


class Timings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    started_at: float = Field(default_factory=time.time)
    finished_at: float | None = None
    simulator_s: float = 0.0
    assistant_s: float = 0.0

    @property
    def duration_s(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at


class Conversation(BaseModel):
    """A finished (or in-progress) simulated conversation."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    run_id: str = ""
    intent: Intent
    sample_index: int = 0
    seed: int = 0
    messages: list[Message] = Field(default_factory=list)
    end_reason: EndReason | None = None
    error: str | None = None
    simulator: ComponentSpec | None = None
    assistant: ComponentSpec | None = None
    timings: Timings = Field(default_factory=Timings)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        """Identity within a run: one conversation per (intent, sample)."""
        return (self.intent.id, self.sample_index)

    @property
    def user_turns(self) -> list[Message]:
        return [m for m in self.messages if m.role == "user"]

    @property
    def assistant_turns(self) -> list[Message]:
        """The assistant's replies to the user (messages that only call tools are not turns)."""
        return [m for m in self.messages if m.role == "assistant" and not m.tool_calls]

    def finish(self, reason: EndReason, error: str | None = None) -> None:
        """Mark the conversation over. Ending twice is a programming error."""
        assert self.end_reason is None, f"conversation {self.key} already ended ({self.end_reason})"
        self.end_reason = reason
        self.error = redact_text(error) if error else error  # error texts may quote a URL with its password
        self.timings.finished_at = time.time()


def normalize_intent_text(text: str) -> str:
    """Phrase a goal the UserLM way: 'You are a user chatting with an assistant language model to ...'.

    Short goals such as 'plan a trip to Rome' get the standard prefix; texts that already carry it, or
    that start with 'You are', are kept as written.
    """
    text = " ".join(text.split())
    if text.startswith(INTENT_PREFIX) or text.lower().startswith("you are"):
        return text
    if text.lower().startswith("to "):
        text = text[3:]
    return f"{INTENT_PREFIX} {text[:1].lower()}{text[1:]}"
