"""Assertions on simulated runs, for pytest (or any test runner): ``assert_success_rate`` and friends.

A failing assertion must say *why*: the message carries the rate, the criterion, and the transcripts
of the worst conversations, so a CI log is enough to see what the assistant did wrong.

What counts as success, in order:

1. ``check``: a function of a conversation returning a bool or a score in [0, 1] (the caller's rule);
2. otherwise :func:`default_score`: a conversation the tasks machinery marked solved
   (``end_reason == "task_solved"``) scores 1; a conversation that failed (``assistant_error``,
   ``simulator_exhausted``) scores 0; any other ending scores 1 in a run without tasks, 0 in a task
   run. Re-point :func:`default_score` at ``simuser.tasks`` (per-conversation success from
   ``score(run)``) once that package is in the build; it is the one place that decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from simuser.schema import Conversation

Check = Callable[[Conversation], "bool | float"]

FAILED_ENDINGS = frozenset({"assistant_error", "simulator_exhausted"})
SOLVED_ENDING = "task_solved"
#: Characters of each message shown in a failure message; long replies are cut, not dropped.
MESSAGE_CHARS = 300


@dataclass(frozen=True)
class Outcome:
    conversation: Conversation
    score: float


def default_score(conversation: Conversation) -> float:
    """1.0 when the conversation succeeded by the rule in the module docstring, else 0.0."""
    ending = conversation.end_reason.value if conversation.end_reason else None
    if ending == SOLVED_ENDING:
        return 1.0
    if ending in FAILED_ENDINGS or _is_task_run(conversation):
        return 0.0
    return 1.0


def _is_task_run(conversation: Conversation) -> bool:
    return "task" in conversation.metadata or "task" in conversation.intent.metadata


def outcomes(result: Any, check: Check | None = None) -> list[Outcome]:
    """Each conversation of ``result`` (a RunResult or a list of conversations) with its score."""
    conversations = list(getattr(result, "conversations", result))
    rule = check or default_score
    return [Outcome(c, _as_score(rule(c))) for c in conversations]


def success_rate(result: Any, check: Check | None = None) -> float:
    """Mean score over the conversations (0.0 for an empty run)."""
    scored = outcomes(result, check)
    return sum(o.score for o in scored) / len(scored) if scored else 0.0


def assert_success_rate(result: Any, at_least: float, check: Check | None = None, show: int = 3) -> float:
    """Fail unless the success rate is ``at_least``; the message shows the ``show`` worst transcripts."""
    scored = outcomes(result, check)
    if not scored:
        raise AssertionError("no conversations to score: the run produced none")
    rate = sum(o.score for o in scored) / len(scored)
    if rate < at_least:
        raise AssertionError(_failure_message(scored, rate, at_least, check, show))
    return rate


def _failure_message(scored: Sequence[Outcome], rate: float, at_least: float, check: Check | None, show: int) -> str:
    succeeded = sum(o.score >= 1.0 for o in scored)
    criterion = getattr(check, "__name__", repr(check)) if check else "default_score (no failure, task solved in task runs)"
    worst = sorted(scored, key=lambda o: (o.score, o.conversation.key))[:show]
    lines = [f"success rate {rate:.2f} < {at_least:.2f}: {succeeded} of {len(scored)} conversations succeeded "
             f"(criterion: {criterion}); the {len(worst)} worst:"]
    for outcome in worst:
        lines += ["", *transcript_lines(outcome.conversation, outcome.score)]
    return "\n".join(lines)


def transcript_lines(conversation: Conversation, score: float | None = None) -> list[str]:
    """A conversation as readable lines: a header, then one line per message."""
    intent_id, sample = conversation.key
    ending = conversation.end_reason.value if conversation.end_reason else "unfinished"
    header = f"--- {intent_id} #{sample}: ended {ending}" + (f", score {score:.2f}" if score is not None else "")
    lines = [header + (f", error: {conversation.error}" if conversation.error else ""),
             f"    intent: {_cut(conversation.intent.text)}"]
    return lines + [f"    {m.role}: {_cut(m.content)}" for m in conversation.messages]


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _as_score(value: bool | float) -> float:
    score = float(value)
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"a check must return a bool or a score in [0, 1], got {value!r}")
    return score
