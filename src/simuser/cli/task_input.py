"""Flags shared by the task commands (``simulate --tasks``, ``gap``): where tasks come from, how told."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simuser.errors import UserError

if TYPE_CHECKING:
    from simuser.tasks.model import Knowledge

TasksOpt = Annotated[Path | None, typer.Option("--tasks", help="Tasks JSONL (docs/tasks.md): goals, what the user knows, a check per reply.")]
SuiteOpt = Annotated[str | None, typer.Option("--suite", help="A built-in task suite instead of --tasks: gsm8k, pubmedqa.")]
CountOpt = Annotated[int | None, typer.Option("--tasks-count", min=1, help="Use this many tasks, picked reproducibly from --seed.")]
KnowledgeOpt = Annotated[str | None, typer.Option("--knowledge", help="What the user is told: 'question' or 'shards' (default: the suite's, else question).")]
KeepGoingOpt = Annotated[bool, typer.Option("--keep-going", help="Go on after a reply passes its check (default: stop, end reason task_solved).")]


def resolve_tasks(tasks: Path | None, suite: str | None, count: int | None, seed: int,
                  knowledge: str | None) -> tuple[list[Any], Knowledge]:
    """The tasks and the knowledge mode, from --tasks or --suite."""
    from simuser.tasks import load_tasks
    from simuser.tasks.suites import load_suite, pick, suites

    if (tasks is None) == (suite is None):
        raise UserError("pass exactly one of --tasks FILE or --suite NAME (gsm8k, pubmedqa)")
    if knowledge not in (None, "question", "shards"):
        raise UserError(f"--knowledge must be 'question' or 'shards' (got '{knowledge}')")
    if suite is not None:
        suites.check(suite)
        loaded = load_suite(suite, count, seed)
        return loaded.tasks, knowledge or loaded.knowledge  # type: ignore[return-value]
    return pick(load_tasks(tasks), count, seed), knowledge or "question"  # type: ignore[arg-type,return-value]
