"""Running a simulator on probe states: the shared half of the model-dependent metrics.

Termination F1, role adherence and intent adherence all hand a simulator hand-built conversation states
and score its next turn. They are *async* (``acompute``) so that the evaluator can run them all in one
event loop and close the simulator in that same loop: a simulator holding an async HTTP client cannot
move between loops. :func:`run_sync` is the thin synchronous edge for calling one metric on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from simuser import defaults
from simuser.models.concurrency import run_sync  # noqa: F401  (re-exported: metrics call it from here)
from simuser.users.base import ConversationState, UserSimulator, UserTurn

PROBES_DIR = Path(__file__).resolve().parent.parent / "data" / "reference" / "probes"


async def next_turns(simulator: UserSimulator, states: Sequence[ConversationState],
                     batch_size: int = defaults.BATCH_SIZE, label: str = "probes") -> list[UserTurn]:
    """The simulator's turn for every state, asked in batches of ``batch_size`` (a progress bar on a terminal)."""
    turns: list[UserTurn] = []
    with _progress() as progress:
        task = progress.add_task(label, total=len(states))
        for start in range(0, len(states), batch_size):
            batch = list(states[start : start + batch_size])
            answered = await simulator.next_turns(batch)
            assert len(answered) == len(batch), "a simulator must return one turn per state"
            turns.extend(answered)
            progress.update(task, completed=len(turns))
    return turns


def _progress():
    """A transient bar on stderr, only when stderr is a terminal (a local model can take minutes here)."""
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty())


def probe_lines(name: str) -> list[str]:
    """Non-empty lines of a probe template file in data/reference/probes/."""
    return [line.strip() for line in (PROBES_DIR / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def probe_prompt(name: str) -> str:
    return (PROBES_DIR / name).read_text(encoding="utf-8")


def f1_scores(labels: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, in percent (0 when undefined)."""
    true_positive = sum(a and b for a, b in zip(labels, predicted, strict=True))
    precision = true_positive / sum(predicted) if any(predicted) else 0.0
    recall = true_positive / sum(labels) if any(labels) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": 100 * precision, "recall": 100 * recall, "f1": 100 * f1}
