"""The demo's progress bars, drawn by the CLI: the library reports progress, the CLI decides how it looks.

:class:`RichDemoProgress` satisfies :class:`simuser.demo.run.DemoProgress`: a bar per stage (index build,
evaluation, reports) and the engine's conversation bar, labelled, for each condition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from simuser.engine.progress import ProgressReporter, RichProgress


class RichDemoProgress:
    @contextmanager
    def stage(self, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """A bar labelled ``label``; the body calls ``update(done)`` with the absolute count done."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn(f"{label:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
            task = bar.add_task(label, total=total)
            yield lambda done: bar.update(task, completed=done)
            bar.update(task, completed=total if total is not None else 0)

    def conversations(self, label: str) -> ProgressReporter:
        return RichProgress(f"{label:<12}")
