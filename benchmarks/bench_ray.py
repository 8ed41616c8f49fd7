"""Benchmark 5: the Ray runner, 1 worker against 2 workers on a CPU-bound workload.

Workload: the SmolLM2 user + assistant of benchmark 1 (32 conversations), greedy decoding so both runs
generate the same text, on a local Ray cluster of 2 CPUs. Each worker is one Ray actor with 1 CPU
(Ray sets ``OMP_NUM_THREADS=1``, so torch uses one thread per worker): the comparison is one model
replica against two, each on its own core. Wall times are end to end: starting the actors, loading a
model replica in each, simulating, and streaming every conversation back to the driver's store.
"""

from __future__ import annotations

import os
import tempfile
import threading
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


class CpuMeter:
    """Cores used during a run, from /proc (Linux): by the Ray workers, and by the whole machine.

    On a shared machine the second worker only helps if a second core is free; this says whether it was.
    """

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self) -> None:
        self.worker_ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> CpuMeter:
        self.start, self.busy0 = time.perf_counter(), machine_busy_ticks()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.wall = time.perf_counter() - self.start
        self.machine_cores = (machine_busy_ticks() - self.busy0) / self.TICK / self.wall

    @property
    def worker_cores(self) -> float:
        return sum(self.worker_ticks.values()) / self.TICK / self.wall

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            for pid, ticks in worker_ticks().items():
                self.worker_ticks[pid] = max(ticks, self.worker_ticks.get(pid, 0))


def machine_busy_ticks() -> int:
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except OSError:
        return 0
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def worker_ticks() -> dict[int, int]:
    """CPU ticks (user + system) of every live Ray actor process running a ShardWorker."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"ShardWorker" not in (entry / "cmdline").read_bytes():
                continue
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(entry.name)] = int(stat[11]) + int(stat[12])
        except (OSError, IndexError, ValueError):
            continue
    return found


def timed(workers: int, max_turns: int) -> tuple[float, Any, dict[str, float]]:
    from simuser.engine.ray_runner import RayOptions, simulate_ray

    with tempfile.TemporaryDirectory() as tmp, CpuMeter() as meter:
        result = simulate_ray(config(Path(tmp) / "run", max_turns), RayOptions(workers=workers), progress=False)
    cores = {"workers_cores": round(meter.worker_cores, 2), "machine_cores": round(meter.machine_cores, 2)}
    return meter.wall, result, cores


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
        one_s, one, one_cores = timed(1, max_turns)
        two_s, two, two_cores = timed(2, max_turns)
    finally:
        ray.shutdown()
    speedup = one_s / two_s
    same = [m.content for c in sorted(one.conversations, key=lambda c: c.key) for m in c.messages] == \
           [m.content for c in sorted(two.conversations, key=lambda c: c.key) for m in c.messages]
    details = {"one_worker_s": round(one_s, 2), "two_workers_s": round(two_s, 2), "max_turns": max_turns,
               "user_turns": [one.summary.user_turns, two.summary.user_turns], "identical_text": same,
               "one_worker_cpu": one_cores, "two_workers_cpu": two_cores}
    notes = (f"1 worker {one_s:.1f} s, 2 workers {two_s:.1f} s (end to end, incl. actor start + model load); "
             f"cores used by the workers {one_cores['workers_cores']:.2f} vs {two_cores['workers_cores']:.2f}, "
             f"machine busy {one_cores['machine_cores']:.2f} / {two_cores['machine_cores']:.2f} of {os.cpu_count()}")
    return [BenchResult(name, speedup, "x", f">= {TARGET:g}x", speedup >= TARGET, notes, details)]
