"""The one conversation schema, versioned.

Everything simuser writes or reads crosses this boundary: the engine produces :class:`Conversation`
records, the store appends them to ``conversations.jsonl``, and metrics and reports read only them, so a
run can be re-scored years later. Bump :data:`SCHEMA_VERSION` on any incompatible change and teach
:func:`Conversation.model_validate` to upgrade old records.

Message roles follow OpenAI's chat format. The intent is *not* a message: it is the simulator's
system prompt, stored once on the conversation.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from simuser.tokens import INTENT_PREFIX

SCHEMA_VERSION = "1.0"

Role = Literal["system", "user", "assistant"]


class EndReason(StrEnum):
    """Why a conversation stopped; set exactly once, when it stops."""

    USER_ENDED = "user_ended"  # the simulator emitted the end-of-conversation marker
    MAX_TURNS = "max_turns"  # the run's --max-turns user turns were reached
    ASSISTANT_ERROR = "assistant_error"  # the assistant failed after its retries
    SIMULATOR_EXHAUSTED = "simulator_exhausted"  # the simulator had nothing more to say (e.g. replay ran out)
    TASK_SOLVED = "task_solved"  # a reply passed the task's check (simuser.tasks) and the run stops at success


class Intent(BaseModel):
    """A high-level goal the simulated user pursues, e.g. 'You are a user ... to plan a trip'."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One chat message. ``metadata`` holds per-turn facts: latency, guardrail rejections, retrieval."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str
    metadata: dict[str, Any] = Field(default_factory=dict)

    def to_openai(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


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
        return [m for m in self.messages if m.role == "assistant"]

    def finish(self, reason: EndReason, error: str | None = None) -> None:
        """Mark the conversation over. Ending twice is a programming error."""
        assert self.end_reason is None, f"conversation {self.key} already ended ({self.end_reason})"
        self.end_reason = reason
        self.error = error
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
