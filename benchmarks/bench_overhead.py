"""Benchmark 2: harness overhead, the engine's wall time against the raw batched ``generate`` calls it makes.

Measured inside one engine run on the workload of benchmark 1 (reused when benchmark 1 ran in the same
invocation): every call of the model's ``generate`` is timed where it happens, so "raw" is exactly the
tokens the engine asked for, with the same batches. Everything else is harness: chat templates,
tokenisation and decoding, prompt building and parsing, the event loop, the run store's writes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import workload
from common import BenchResult

TARGET_PCT = 5.0


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    measured = (shared or {}).get("engine_run")
    if measured is None:
        from bench_engine import engine_run

        workload.shared_model()
        size = workload.sizes(quick, shared)
        with tempfile.TemporaryDirectory() as tmp, workload.GenerateMeter() as meter:
            wall, result = engine_run(workload.run_config(Path(tmp) / "run", n_goals=size["n_goals"], max_turns=size["max_turns"]))
        measured = {"wall_s": wall, "meter": meter, "summary": result.summary}
    wall, meter = measured["wall_s"], measured["meter"]
    overhead = 100.0 * (wall - meter.generate_s) / max(meter.generate_s, 1e-9)
    notes = f"engine {wall:.2f} s, inside generate {meter.generate_s:.2f} s ({len(meter.calls)} batched calls)"
    details = {"engine_wall_s": round(wall, 3), **meter.summary(),
               "batch_rows": [c.rows for c in meter.calls], "reused_engine_run": shared is not None and "engine_run" in shared}
    return [BenchResult("harness overhead (engine time vs its raw generate calls)", overhead, "%",
                        f"<= {TARGET_PCT:g}%", overhead <= TARGET_PCT, notes, details)]
