"""Running a simulator on probe states: the shared half of the model-dependent metrics.

Termination F1, role adherence and intent adherence all hand a simulator hand-built conversation states
and score its next turn. They are *async* (``acompute``) so that the evaluator can run them all in one
event loop and close the simulator in that same loop: a simulator holding an async HTTP client cannot
move between loops. :func:`run_sync` is the thin synchronous edge for calling one metric on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Generic, TypeVar

from simuser import defaults
from simuser.metrics.base import MetricContext, MetricResult, NotComputed, ProbeProgress
from simuser.models.concurrency import run_sync
from simuser.schema import Conversation
from simuser.users.base import ConversationState, TurnKind, UserSimulator, UserTurn

P = TypeVar("P")

PROBES_DIR = Path(__file__).resolve().parent.parent / "data" / "reference" / "probes"


async def next_turns(simulator: UserSimulator, states: Sequence[ConversationState],
                     batch_size: int = defaults.BATCH_SIZE, label: str = "probes",
                     progress: ProbeProgress | None = None) -> list[UserTurn]:
    """The simulator's turn for every state, asked in batches; ``progress(label, done, total)`` after each."""
    turns: list[UserTurn] = []
    for start in range(0, len(states), batch_size):
        batch = list(states[start : start + batch_size])
        answered = await simulator.next_turns(batch)
        assert len(answered) == len(batch), "a simulator must return one turn per state"
        turns.extend(answered)
        if progress is not None:
            progress(label, len(turns), len(states))
    return turns


class ProbeMetric(Generic[P]):
    """The skeleton every probe metric shares: build probes, ask the simulator, score the answered ones.

    A subclass gives :meth:`probes` (one item per state, the state inside it or beside it) and
    :meth:`score` (the items the simulator answered, with their turns; ``asked`` counts all of them).
    """

    kind = "probe"
    direction = "higher"
    unit = "%"
    label = "probes"
    unit_name = "probe"  # what one probe is called in the "gave no turn" reason

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        return run_sync(self.acompute(conversations, context))

    async def acompute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        if context.simulator is None:
            return NotComputed(context.probes_off_reason)
        items, states = self.probes(context)
        turns = await next_turns(context.simulator, states, label=self.label, progress=context.progress)
        answered = [(item, t) for item, t in zip(items, turns, strict=True) if t.kind != TurnKind.EXHAUSTED]
        if not answered:
            return NotComputed(f"the simulator gave no turn for any {self.unit_name}")
        return await self.score(answered, context, len(turns))

    def probes(self, context: MetricContext) -> tuple[list[P], list[ConversationState]]:
        raise NotImplementedError

    async def score(self, answered: list[tuple[P, UserTurn]], context: MetricContext, asked: int) -> MetricResult | NotComputed:
        raise NotImplementedError


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
