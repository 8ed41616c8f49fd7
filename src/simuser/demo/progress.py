"""Progress bars for the demo's stages (index build, evaluation, reports); the engine draws its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def stage(label: str, total: int | None, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A bar labelled ``label``; the body calls ``update(done)`` with the absolute count done."""
    if not enabled:
        yield lambda done: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"{label:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
        bar.update(task, completed=total if total is not None else 0)


class ConditionProgress:
    """An engine progress reporter (see :mod:`simuser.engine.progress`) labelled with the demo condition."""

    def __init__(self, label: str):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn(f"{label:<12}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[turns]} user turns"), TimeElapsedColumn())
        self._task: Any = None
        self._turns = 0

    def start(self, total: int, already_done: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task("simulate", total=total, completed=already_done, turns=0)

    def conversation_finished(self, conversation) -> None:
        self._turns += len(conversation.user_turns)
        self._bar.update(self._task, advance=1, turns=self._turns)

    def stop(self) -> None:
        self._bar.stop()
