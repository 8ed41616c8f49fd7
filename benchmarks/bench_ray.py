"""Benchmark 5: the Ray runner, 1 worker against 2 workers on a CPU-bound workload.

Workload: the SmolLM2 user + assistant of benchmark 1 (32 conversations), greedy decoding so both runs
generate the same text, on a local Ray cluster of 2 CPUs. Each worker is one Ray actor with 1 CPU
(Ray sets ``OMP_NUM_THREADS=1``, so torch uses one thread per worker): the comparison is one model
replica against two, each on its own core. Wall times are end to end: starting the actors, loading a
model replica in each, simulating, and streaming every conversation back to the driver's store.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import workload
from common import BenchResult

TARGET = 1.6


def config(out: Path, max_turns: int) -> Any:
    from simuser.schema import ComponentSpec

    base = workload.run_config(out)
    return base.model_copy(update={
        "max_turns": max_turns,
        "simulator": ComponentSpec(name="prompted", options={"max_new_tokens": workload.USER_TOKENS, "temperature": 0.0}),
        "assistant": ComponentSpec(name="transformers", options={"max_new_tokens": workload.ASSISTANT_TOKENS, "do_sample": False}),
    })


def timed(workers: int, max_turns: int) -> tuple[float, Any]:
    from simuser.engine.ray_runner import RayOptions, simulate_ray

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = simulate_ray(config(Path(tmp) / "run", max_turns), RayOptions(workers=workers), progress=False)
        return time.perf_counter() - start, result


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    name = "ray: 2 workers vs 1 worker (SmolLM2, 1 CPU each, 32 conv)"
    try:
        import ray
    except ImportError:
        return [BenchResult(name, 0.0, "x", f">= {TARGET:g}x", None, "skipped: pip install 'simuser[ray]'")]
    workload.shared_model()  # the converted checkpoint exists before the workers look for it
    max_turns = 1 if quick else 2
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        one_s, one = timed(1, max_turns)
        two_s, two = timed(2, max_turns)
    finally:
        ray.shutdown()
    speedup = one_s / two_s
    same = [m.content for c in sorted(one.conversations, key=lambda c: c.key) for m in c.messages] == \
           [m.content for c in sorted(two.conversations, key=lambda c: c.key) for m in c.messages]
    details = {"one_worker_s": round(one_s, 2), "two_workers_s": round(two_s, 2), "max_turns": max_turns,
               "user_turns": [one.summary.user_turns, two.summary.user_turns], "identical_text": same}
    notes = f"1 worker {one_s:.1f} s, 2 workers {two_s:.1f} s (end to end, incl. actor start + model load)"
    return [BenchResult(name, speedup, "x", f">= {TARGET:g}x", speedup >= TARGET, notes, details)]
