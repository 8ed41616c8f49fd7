"""The metric protocol: a name, a kind, and ``compute(conversations, context)``.

A metric returns a :class:`MetricResult` (one headline value, optional named sub-values, details for the
report) or a :class:`NotComputed` with a one-line reason; it never raises for missing inputs, so a report
always lists every metric. Example, the share of conversations the user ended::

    class UserEnded:
        name, title, kind = "user_ended", "Conversations the user ended", "text"
        direction, unit = "closer", "%"

        def compute(self, conversations, context):
            ended = [c for c in conversations if c.end_reason == EndReason.USER_ENDED]
            return MetricResult(100 * len(ended) / len(conversations))

Metrics are registered by name in :data:`simuser.metrics.metrics` (and the ``simuser.metrics`` entry
point group), so a third party can add one without editing simuser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from simuser import defaults
from simuser.schema import Conversation

if TYPE_CHECKING:
    from simuser.metrics.judge import Judge
    from simuser.metrics.naturalness_detectors import NaturalnessDetector
    from simuser.users.base import UserSimulator

#: text: from the conversations alone; detector: needs a naturalness detector; probe: runs a simulator
#: on probe states; model: needs a model's token log-probabilities.
MetricKind = Literal["text", "detector", "probe", "model"]
#: higher / lower is better, or closer to the human reference is better.
Direction = Literal["higher", "lower", "closer"]
ProbeProgress = Callable[[str, int, int], None]


@dataclass
class MetricResult:
    value: float
    #: Named secondary numbers, reported as ``"<metric>.<key>"`` (e.g. pace.words_per_turn_mean).
    values: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class NotComputed:
    reason: str


@dataclass
class MetricContext:
    """Everything a metric may need besides the conversations; absent parts make metrics NotComputed."""

    seed: int = defaults.SEED
    simulator: UserSimulator | None = None
    detector: NaturalnessDetector | None = None
    judge: Judge | None = None
    perplexity_model: str | None = None
    probe_limit: int = 50
    #: Why probes are off, when they are (shown as the probe metrics' NotComputed reason).
    probes_off_reason: str = "no simulator given (pass --simulator NAME, or --probes to use the run's simulator)"
    #: Called as ``progress(label, done, total)`` while probes run (the CLI shows it; the library draws nothing).
    progress: ProbeProgress | None = None
    options: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Metric(Protocol):
    name: str
    title: str
    kind: MetricKind
    direction: Direction
    unit: str  # "%" for 0-100 scores, "" for raw numbers

    def compute(self, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
        ...
