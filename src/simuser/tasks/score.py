"""Scoring a task run from its records alone: per conversation, per task, per run.

Each assistant reply of a task run carries its check in ``metadata["check"]`` (see :mod:`.hook`). A
conversation is *solved* when any reply passed (LiC's rule; with the default stop-at-success the passing
reply is the last one); ``final_pass`` says whether its last reply passed, ``turns_to_success`` how many
user turns it took. A reply whose check failed itself (``check_error``) counts as not passing and is
counted apart. Nothing is re-checked, so ``simuser score RUN`` gives the run's own numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import mean
from typing import Any

from simuser.errors import UserError
from simuser.schema import Conversation
from simuser.tasks.coverage import coverage
from simuser.tasks.knowledge import intent_task
from simuser.tasks.stats import Interval, task_success


@dataclass(frozen=True)
class ConversationScore:
    task_id: str
    sample_index: int
    solved: bool
    final_pass: bool
    turns_to_success: int | None
    replies_checked: int
    check_errors: int
    user_turns: int
    words_per_turn: float
    coverage: float
    end_reason: str


@dataclass(frozen=True)
class TaskScore:
    task_id: str
    conversations: int
    solved: int

    @property
    def success_rate(self) -> float:
        return self.solved / self.conversations if self.conversations else 0.0


@dataclass
class RunScore:
    """Everything ``simuser score`` prints; ``to_json`` puts ``success_rate`` at the top level."""

    conversations: list[ConversationScore]
    tasks: list[TaskScore]
    n: int  # conversations per task
    success: Interval
    final_pass_rate: float
    mean_turns_to_success: float | None
    user_turns: float
    words_per_turn: float
    coverage: float
    check_errors: int
    end_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def success_rate(self) -> float:
        return self.success.estimate

    def to_json(self, with_conversations: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "success_rate": round(self.success_rate, 6), "success_interval_95": self.success.to_json(),
            "tasks": len(self.tasks), "n": self.n, "conversations": len(self.conversations),
            "final_pass_rate": round(self.final_pass_rate, 6), "mean_turns_to_success": self.mean_turns_to_success,
            "user_turns": round(self.user_turns, 4), "words_per_turn": round(self.words_per_turn, 4),
            "coverage": round(self.coverage, 6), "check_errors": self.check_errors, "end_reasons": self.end_reasons,
            "per_task": [{**asdict(t), "success_rate": round(t.success_rate, 6)} for t in self.tasks],
        }
        if with_conversations:
            data["per_conversation"] = [asdict(c) for c in self.conversations]
        return data


def score(run: str | Path | Sequence[Conversation]) -> RunScore:
    """Score a run directory, a conversations JSONL, or conversations in memory."""
    conversations = _read(run) if isinstance(run, str | Path) else list(run)
    scored = [score_conversation(c) for c in conversations if intent_task(c.intent) is not None]
    if not scored:
        raise UserError(f"{run if isinstance(run, str | Path) else 'these conversations'} hold no task conversation; "
                        "run `simuser simulate --tasks FILE` first")
    return aggregate(scored)


def score_conversation(conversation: Conversation) -> ConversationScore:
    task = intent_task(conversation.intent)
    assert task is not None
    checks = [m.metadata.get("check") for m in conversation.assistant_turns]
    passes = [bool(c and c.get("passed") and not c.get("error")) for c in checks]
    first = passes.index(True) if any(passes) else None
    user_turns = conversation.user_turns
    return ConversationScore(
        task_id=task.id, sample_index=conversation.sample_index, solved=first is not None,
        final_pass=bool(passes and passes[-1]), turns_to_success=None if first is None else first + 1,
        replies_checked=sum(c is not None for c in checks), check_errors=sum(bool(c and c.get("error")) for c in checks),
        user_turns=len(user_turns), coverage=round(coverage(task, conversation), 6),
        words_per_turn=mean(len(m.content.split()) for m in user_turns) if user_turns else 0.0,
        end_reason=conversation.end_reason.value if conversation.end_reason else "unfinished",
    )


def aggregate(scored: list[ConversationScore]) -> RunScore:
    by_task: dict[str, list[ConversationScore]] = defaultdict(list)
    for s in scored:
        by_task[s.task_id].append(s)
    turns = [s.turns_to_success for s in scored if s.turns_to_success is not None]
    all_turns = sum(s.user_turns for s in scored)
    return RunScore(
        conversations=sorted(scored, key=lambda s: (s.task_id, s.sample_index)),
        tasks=[TaskScore(t, len(v), sum(s.solved for s in v)) for t, v in sorted(by_task.items())],
        n=max(len(v) for v in by_task.values()),
        success=task_success([(sum(s.solved for s in v), len(v)) for _, v in sorted(by_task.items())]),
        final_pass_rate=mean(s.final_pass for s in scored),
        mean_turns_to_success=round(mean(turns), 4) if turns else None,
        user_turns=mean(s.user_turns for s in scored),
        words_per_turn=sum(s.words_per_turn * s.user_turns for s in scored) / all_turns if all_turns else 0.0,
        coverage=mean(s.coverage for s in scored),
        check_errors=sum(s.check_errors for s in scored),
        end_reasons=dict(sorted(Counter(s.end_reason for s in scored).items())),
    )


def _read(path: str | Path) -> list[Conversation]:
    from simuser.store import read_conversations

    return read_conversations(path)
