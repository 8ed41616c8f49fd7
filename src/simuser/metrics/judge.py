"""Optional LLM judges for the probe metrics.

A judge reads a filled-in prompt (data/reference/probes/judge_*.md) and answers with one word. Any
assistant backend can judge: :class:`AssistantJudge` sends each prompt as a one-message conversation to
an :class:`~simuser.assistants.base.Assistant` built from the assistants registry (``--judge NAME``), so an
OpenAI-compatible endpoint or a local model works the same way. Judges are async for the same reason as
the probes: they live in the evaluator's one event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from simuser.assistants.base import Assistant, AssistantRequest
from simuser.schema import Message


@runtime_checkable
class Judge(Protocol):
    name: str

    async def verdicts(self, prompts: Sequence[str]) -> list[str]:
        """The judge's raw answer per prompt, same order."""
        ...


class AssistantJudge:
    """A judge backed by any assistant backend."""

    def __init__(self, assistant: Assistant, name: str = ""):
        self.assistant = assistant
        self.name = name or assistant.describe().name

    async def verdicts(self, prompts: Sequence[str]) -> list[str]:
        requests = [AssistantRequest([Message(role="user", content=p)], seed=i) for i, p in enumerate(prompts)]
        replies = await self.assistant.respond(requests)
        return [reply.content if reply.error is None else "" for reply in replies]


def verdict_is(answer: str, positive: str, negative: str) -> bool | None:
    """True/False when the answer names exactly one of the two words, None when it is unclear."""
    upper = answer.upper()
    has_positive, has_negative = positive in upper, negative in upper
    if has_positive == has_negative:
        return None
    return has_positive


def share_true(verdicts: Sequence[bool | None]) -> tuple[float | None, int]:
    """Percent True among clear verdicts, and how many were unclear."""
    clear = [v for v in verdicts if v is not None]
    unclear = len(verdicts) - len(clear)
    return (100.0 * sum(clear) / len(clear) if clear else None), unclear
