"""Simulating task runs: tasks become intents, every assistant reply is checked (``simulate --tasks``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simuser.assistants import Assistant
from simuser.engine.config import RunConfig
from simuser.engine.progress import ProgressReporter
from simuser.models.concurrency import run_sync
from simuser.tasks.hook import TaskChecker
from simuser.tasks.knowledge import task_intent
from simuser.tasks.model import Knowledge, Task
from simuser.users import UserSimulator

if TYPE_CHECKING:
    from simuser.engine.ray_runner import RayOptions


def task_config(tasks: Sequence[Task], knowledge: Knowledge = "question", **fields: Any) -> RunConfig:
    """A run config whose intents are the tasks (each carrying its task for the checks and for `score`)."""
    return RunConfig(intents=[task_intent(t, knowledge) for t in tasks], **fields)


def simulate_tasks(
    config: RunConfig,
    *,
    simulator: UserSimulator | None = None,
    assistant: Assistant | None = None,
    progress: bool | ProgressReporter = False,
    resume: bool = False,
    check_defaults: dict[str, dict[str, Any]] | None = None,
):
    """:func:`simuser.engine.simulate` with the task checker as the reply hook (closed on the run's loop)."""
    return run_sync(asimulate_tasks(config, simulator=simulator, assistant=assistant, progress=progress,
                                    resume=resume, check_defaults=check_defaults))


def simulate_tasks_ray(
    config: RunConfig,
    options: RayOptions | str = "auto",
    *,
    progress: bool | ProgressReporter = False,
    resume: bool = False,
    check_defaults: dict[str, dict[str, Any]] | None = None,
):
    """:func:`simulate_tasks` spread over Ray workers (``simulate --tasks --ray``): each worker checks its replies.

    ``options``: :class:`~simuser.engine.ray_runner.RayOptions`, or a cluster address.
    """
    from functools import partial

    from simuser.engine.ray_runner import simulate_ray

    return simulate_ray(config, options, progress=progress, resume=resume,
                        reply_hook_factory=partial(TaskChecker, check_defaults))


async def asimulate_tasks(config: RunConfig, *, check_defaults: dict[str, dict[str, Any]] | None = None, **kwargs: Any):
    from simuser.engine.loop import asimulate

    checker = TaskChecker(check_defaults)
    try:
        return await asimulate(config, reply_hook=checker, **kwargs)
    finally:
        await checker.aclose()
