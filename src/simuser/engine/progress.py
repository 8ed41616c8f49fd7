"""Progress reporting, kept out of the loop: the engine calls a reporter, the caller picks one."""

from __future__ import annotations

from typing import Any, Protocol

from simuser.schema import Conversation


class ProgressReporter(Protocol):
    def start(self, total: int, already_done: int) -> None: ...

    def conversation_finished(self, conversation: Conversation) -> None: ...

    def stop(self) -> None: ...


class SilentProgress:
    def start(self, total: int, already_done: int) -> None: ...

    def conversation_finished(self, conversation: Conversation) -> None: ...

    def stop(self) -> None: ...


class RichProgress:
    """A bar of finished conversations with a running count of user turns, labelled ``label``."""

    def __init__(self, label: str = "simulating") -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn(label.replace("[", r"\[")), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[turns]} user turns"),
            TimeElapsedColumn(), transient=False,
        )
        self._task: Any = None
        self._turns = 0

    def start(self, total: int, already_done: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("simulate", total=total, completed=already_done, turns=0)

    def conversation_finished(self, conversation: Conversation) -> None:
        self._turns += len(conversation.user_turns)
        self._progress.update(self._task, advance=1, turns=self._turns)

    def stop(self) -> None:
        self._progress.stop()


def make_reporter(progress: bool | ProgressReporter) -> ProgressReporter:
    """``True`` -> a Rich bar, ``False`` -> nothing, or the caller's own reporter."""
    if progress is True:
        return RichProgress()
    if progress is False:
        return SilentProgress()
    return progress
