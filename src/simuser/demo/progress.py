"""Progress bars for the demo's stages (index build, evaluation, reports); simulation uses the engine's bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


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
