"""What a run produced, in numbers: printed by the CLI, stored in ``run.json``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from simuser.redact import redact_text
from simuser.schema import Conversation


class RunSummary(BaseModel):
    conversations: int = 0
    user_turns: int = 0
    end_reasons: dict[str, int] = Field(default_factory=dict)
    elapsed_s: float = 0.0
    run_dir: str | None = None
    simulator: str = ""
    assistant: str = ""
    interrupted: bool = False


def summarize(conversations: list[Conversation], elapsed_s: float, run_dir: Path | None) -> RunSummary:
    reasons = Counter(c.end_reason.value for c in conversations if c.end_reason)
    first = conversations[0] if conversations else None
    return RunSummary(
        conversations=len(conversations),
        user_turns=sum(len(c.user_turns) for c in conversations),
        end_reasons=dict(sorted(reasons.items())),
        elapsed_s=round(elapsed_s, 2),
        run_dir=str(run_dir) if run_dir else None,
        simulator=redact_text(first.simulator.description or first.simulator.name if first and first.simulator else ""),
        assistant=redact_text(first.assistant.description or first.assistant.name if first and first.assistant else ""),
    )
