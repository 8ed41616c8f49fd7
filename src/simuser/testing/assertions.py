"""Assertions on simulated runs, for pytest (or any test runner): ``assert_success_rate`` and friends.

A failing assertion must say *why*: the message carries the rate, the criterion, and the transcripts
of the worst conversations, so a CI log is enough to see what the assistant did wrong.

What counts as success, in order:

1. ``check``: a function of a conversation returning a bool or a score in [0, 1] (the caller's rule);
2. otherwise :func:`default_score`. A task conversation (``simuser simulate --tasks``) scores 1 when
   it was solved, exactly as ``simuser score`` counts it (``simuser.tasks.score.score_conversation``: any
   reply passed its check). Any other conversation scores 0 when it failed (``assistant_error``,
   ``simulator_exhausted``) and 1 otherwise. In a build without the tasks package, a conversation that
   carries a task in its metadata must have ended ``task_solved``.
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
    solved = _task_solved(conversation)
    if solved is not None:
        return float(solved)
    ending = conversation.end_reason.value if conversation.end_reason else None
    if ending == SOLVED_ENDING:
        return 1.0
    if ending in FAILED_ENDINGS or "task" in conversation.metadata or "task" in conversation.intent.metadata:
        return 0.0
    return 1.0


def _task_solved(conversation: Conversation) -> bool | None:
    """The tasks package's verdict on a task conversation; None for other conversations or without it."""
    try:
        from simuser.tasks.knowledge import intent_task
        from simuser.tasks.score import score_conversation
    except ImportError:
        return None
    if intent_task(conversation.intent) is None:
        return None
    return score_conversation(conversation).solved


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
