"""The one validated configuration object of a run.

Its fields map one to one onto ``simuser simulate`` flags; unknown keys are rejected; the resolved
config is saved in ``run.json`` so that ``--resume`` and ``simuser evaluate`` can rebuild the run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simuser import defaults
from simuser.population import Persona
from simuser.schema import ComponentSpec, Intent, normalize_intent_text
from simuser.seeds import derive_seed

__all__ = ["RunConfig", "derive_seed", "intent_from_text"]


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intents: list[Intent]
    n: int = Field(defaults.N_PER_INTENT, ge=1, description="conversations per intent")
    max_turns: int = Field(defaults.MAX_TURNS, ge=1, description="user turns per conversation at most")
    seed: int = defaults.SEED
    concurrency: int = Field(defaults.CONCURRENCY, ge=1, description="concurrent assistant calls")
    batch_size: int = Field(defaults.BATCH_SIZE, ge=1, description="conversations advanced together")
    simulator: ComponentSpec = Field(default_factory=lambda: ComponentSpec(name=defaults.DEFAULT_SIMULATOR))
    assistant: ComponentSpec = Field(default_factory=lambda: ComponentSpec(name=defaults.DEFAULT_ASSISTANT))
    out: Path | None = None
    stop_on_tool: list[str] = Field(default_factory=list, description="end a conversation when the agent calls one of these tools")
    stop_when_solved: bool = Field(default=True, description="end a conversation at the first reply the reply hook calls solved")
    threads: int | None = Field(default=None, ge=1, description="torch intra-op threads for local models (None: as torch has them; the CLI sets the machine's cores)")
    conversation_timeout_s: float | None = Field(
        default=None, gt=0, description="seconds a conversation may take; checked after each exchange (end reason timed_out)")
    population: list[Persona] | None = Field(default=None, description="personas drawn one per conversation (--population)")

    @field_validator("intents", mode="before")
    @classmethod
    def _coerce_intents(cls, value: Any) -> Any:
        """Accept plain strings: 'plan a trip' becomes a UserLM-phrased intent with a stable id."""
        if not isinstance(value, list):
            return value
        return [intent_from_text(v) if isinstance(v, str) else v for v in value]

    def conversation_seed(self, intent_id: str, sample_index: int) -> int:
        """A seed per conversation, derived from the run seed: independent of order and batch."""
        return derive_seed(self.seed, intent_id, sample_index)


def intent_from_text(text: str, intent_id: str | None = None) -> Intent:
    normalized = normalize_intent_text(text)
    metadata = {} if normalized == text else {"original": text}
    return Intent(id=intent_id or hashlib.sha1(normalized.encode()).hexdigest()[:10], text=normalized, metadata=metadata)
