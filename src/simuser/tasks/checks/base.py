"""The check protocol: does this assistant reply solve the task?

A check is built from a task's ``check`` object (``{"type": "number", "answer": 120}`` builds
``checks.create("number", answer=120)``), once per task, and called on every assistant reply. It returns a
:class:`CheckResult`: pass/fail (or a score in [0, 1]), the answer it extracted and a one-line reason, so a
reader of the run can see why a reply passed or failed. A check that cannot decide (its own failure, not
the reply's) sets ``error``; the hook records that reply as ``check_error`` and the run goes on.

Example, a check that passes when the reply mentions a word::

    class Mentions:
        def __init__(self, word: str):
            self.word = word

        def check(self, context: CheckContext) -> CheckResult:
            found = self.word.lower() in context.reply.lower()
            return CheckResult(found, float(found), self.word if found else None, f"mentions {self.word!r}: {found}")
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict

from simuser.schema import Conversation

OptionsT = TypeVar("OptionsT", bound="CheckOptions")

if TYPE_CHECKING:
    from simuser.tasks.model import Task


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    score: float  # in [0, 1]; 1.0 / 0.0 for pass/fail checks
    answer: str | None  # what was extracted from the reply (e.g. "120"), None if nothing
    reason: str  # one human-readable line
    error: str | None = None  # set when the check itself failed (-> "check_error")

    @classmethod
    def verdict(cls, passed: bool, answer: str | None, reason: str) -> CheckResult:
        return cls(passed, 1.0 if passed else 0.0, answer, reason)

    @classmethod
    def failed_check(cls, error: str) -> CheckResult:
        return cls(False, 0.0, None, "check_error", error)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CheckContext:
    task: Task  # the task (id, intent, question, shards, check, metadata)
    conversation: Conversation  # the conversation so far, ending with the assistant reply being checked
    reply: str  # that reply's text


@runtime_checkable
class Check(Protocol):
    def check(self, context: CheckContext) -> CheckResult: ...


class CheckOptions(BaseModel):
    """Base of every built-in check's options: unknown keys are an error naming the valid ones."""

    model_config = ConfigDict(extra="forbid")


def parse_options(kind: str, model: type[OptionsT], options: dict[str, Any]) -> OptionsT:
    """Validate a check's options the one way backends do; the error names the bad option and the valid ones."""
    from simuser.options import parse_options as parse

    return parse(model, options, f"check '{kind}'")
