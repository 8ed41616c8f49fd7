"""What every benchmark shares: the result record, the machine description, a timer."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class BenchResult:
    """One row of the table: a measured ratio (or time) against its target."""

    name: str
    measured: float
    unit: str  # "x" for ratios, "%" for overheads, "s" for times
    target: str
    met: bool | None  # None: nothing to judge (skipped, or informational)
    notes: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def shown(self) -> str:
        if self.unit == "x":
            return f"{self.measured:.2f}x"
        if self.unit == "%":
            return f"{self.measured:.1f}%"
        return f"{self.measured:.2f} {self.unit}"


@dataclass
class Stopwatch:
    seconds: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    start = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - start


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """The conditions a number was measured under (load average included: the machine may be shared)."""
    info: dict[str, Any] = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
        "python": platform.python_version(), "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        import torch

        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads(),
                    gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    except ImportError:
        pass
    return info
