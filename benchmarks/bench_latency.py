"""Benchmark 3: latency-bound assistants, 100 conversations x 5 turns against an endpoint that answers after 300 ms.

The assistant is the ``openai`` backend talking HTTP to simuser's fake OpenAI-compatible server on
127.0.0.1 (``latency_s=0.3``); the user is the scripted simulator (no model), so the wall time is all
waiting and harness. The critical path of one conversation is 5 x 300 ms = 1.5 s; with ``concurrency``
c the best possible wall time is ceil(100 / c) x 1.5 s, which bounds the speed-up curve.
"""

from __future__ import annotations

import math
import time
from typing import Any

from common import BenchResult

LATENCY_S = 0.3
CONVERSATIONS = 100
TURNS = 5
TARGET = 1.2
FULL_SWEEP = (1, 4, 16, 64, 100, 128)
QUICK_SWEEP = (4, 16, 64, 100, 128)


def config(base_url: str, concurrency: int) -> Any:
    from simuser.engine import RunConfig, intent_from_text
    from simuser.schema import ComponentSpec

    return RunConfig(
        intents=[intent_from_text(f"ask about topic number {k}") for k in range(CONVERSATIONS)], n=1,
        max_turns=TURNS, batch_size=128, concurrency=concurrency,
        simulator=ComponentSpec(name="scripted", options={"turns": [f"question {t}, please answer" for t in range(TURNS)]}),
        assistant=ComponentSpec(name="openai", options={"base_url": base_url, "model": "fake", "max_tokens": 64}),
    )


def timed_run(base_url: str, concurrency: int) -> tuple[float, dict[str, int]]:
    from simuser.engine import simulate

    start = time.perf_counter()
    result = simulate(config(base_url, concurrency), progress=False)
    return time.perf_counter() - start, result.summary.end_reasons


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    from simuser.testing.fake_openai import FakeOpenAIServer

    critical = TURNS * LATENCY_S
    curve = []
    with FakeOpenAIServer(latency_s=LATENCY_S) as server:
        timed_run(server.base_url, 128)  # warm-up: imports, connection pool
        for c in QUICK_SWEEP if quick else FULL_SWEEP:
            wall, reasons = timed_run(server.base_url, c)
            best = math.ceil(CONVERSATIONS / c) * critical
            curve.append({"concurrency": c, "wall_s": round(wall, 3), "ideal_s": round(best, 2),
                          "vs_ideal": round(wall / best, 3), "end_reasons": reasons})
    measured_serial = next((p["wall_s"] for p in curve if p["concurrency"] == 1), None)
    serial = measured_serial or CONVERSATIONS * critical  # one call at a time: measured, or its ideal
    for point in curve:
        point["speedup_vs_serial"] = round(serial / point["wall_s"], 1)
    full = min((p for p in curve if p["concurrency"] >= CONVERSATIONS), key=lambda p: p["wall_s"])
    ratio = full["wall_s"] / critical
    shape = ", ".join(f"c={p['concurrency']}: {p['wall_s']:.2f}s" for p in curve)
    return [BenchResult(f"latency-bound: {CONVERSATIONS} conv x {TURNS} turns @ {int(LATENCY_S * 1000)} ms, wall / critical path",
                        ratio, "x", f"<= {TARGET:g}x", ratio <= TARGET, shape,
                        {"critical_path_s": critical, "curve": curve, "serial_s": serial, "serial_measured": measured_serial is not None})]
