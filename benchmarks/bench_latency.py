"""Benchmark 3: latency-bound assistants, 100 conversations x 5 turns against an endpoint that answers after 300 ms.

The assistant is the ``openai`` backend talking HTTP to simuser's fake OpenAI-compatible server on
127.0.0.1 (``latency_s=0.3``); the user is the scripted simulator (no model), so the wall time is all
waiting and harness. The critical path of one conversation is 5 x 300 ms = 1.5 s; with ``concurrency``
c the best possible wall time is ceil(100 / c) x 1.5 s, which bounds the speed-up curve.

The server runs in its own process, as a real endpoint would: its request handling is not simuser's
cost, and in-process its hundred threads would compete with the engine for the interpreter lock.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from common import BenchResult

LATENCY_S = 0.3
CONVERSATIONS = 100
TURNS = 5
TARGET = 1.2
SPREAD_TARGET = 1.3  # wall / the slowest conversation's critical path, spread latency
SPREAD_MEDIAN_S, SPREAD_P95_S, SPREAD_CAP_S = 0.3, 2.0, 8.0  # log-normal: median 300 ms, 5 % over 2 s
FULL_SWEEP = (1, 4, 16, 64, 100, 128)
QUICK_SWEEP = (4, 16, 64, 100, 128)


def config(base_url: str, concurrency: int, conversations: int = CONVERSATIONS, turns: int = TURNS) -> Any:
    from simuser.engine import RunConfig, intent_from_text
    from simuser.schema import ComponentSpec

    return RunConfig(
        intents=[intent_from_text(f"ask about topic number {k}") for k in range(conversations)], n=1,
        max_turns=turns, batch_size=128, concurrency=concurrency,
        simulator=ComponentSpec(name="scripted", options={"turns": [f"question {t}, please answer" for t in range(turns)]}),
        assistant=ComponentSpec(name="openai", options={"base_url": base_url, "model": "fake", "max_tokens": 64}),
    )


def timed_run(base_url: str, concurrency: int, conversations: int = CONVERSATIONS, turns: int = TURNS) -> tuple[float, dict[str, int]]:
    from simuser.engine import simulate

    start = time.perf_counter()
    result = simulate(config(base_url, concurrency, conversations, turns), progress=False)
    return time.perf_counter() - start, result.summary.end_reasons


def spread_latency(seed: Any) -> float:
    """The spread server's latency for a request: log-normal (median 300 ms, 5 % over 2 s), drawn from the
    request's seed, so the benchmark can recompute every conversation's critical path."""
    import random

    sigma = math.log(SPREAD_P95_S / SPREAD_MEDIAN_S) / 1.6449
    return min(random.Random(seed).lognormvariate(math.log(SPREAD_MEDIAN_S), sigma), SPREAD_CAP_S)


def slowest_critical_path(cfg: Any) -> float:
    """The longest sum of one conversation's reply latencies (the seeds the engine sends, turn by turn)."""
    from simuser.seeds import derive_seed

    return max(sum(spread_latency(derive_seed(cfg.conversation_seed(intent.id, 0), "assistant", t + 1))
                   for t in range(cfg.max_turns)) for intent in cfg.intents)


SERVER = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[3])\n"
    "from simuser.testing.fake_openai import FakeOpenAIServer, Fault\n"
    "rule = None\n"
    "if sys.argv[2] == 'spread':\n"
    "    from bench_latency import spread_latency\n"
    "    rule = lambda body: Fault.delay(spread_latency(body.get('seed')))\n"
    "server = FakeOpenAIServer(latency_s=float(sys.argv[1]), fault_rule=rule).start()\n"
    "print(server.base_url, flush=True)\n"
    "sys.stdin.read()\n"  # serve until the benchmark closes our stdin
)


@contextmanager
def fake_server_process(latency_s: float, mode: str = "fixed") -> Iterator[str]:
    """simuser's fake OpenAI-compatible server in a child process; yields its base URL. ``mode="spread"``:
    each request waits :func:`spread_latency` of its seed instead."""
    from pathlib import Path

    here = str(Path(__file__).resolve().parent)
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(latency_s), mode, here], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


BODY = {"model": "fake", "messages": [{"role": "user", "content": "question 0, please answer"}], "max_tokens": 64}


async def httpx_bursts(base_url: str) -> tuple[float, float]:
    """The transport alone: TURNS bursts of CONVERSATIONS concurrent chat calls through the client the
    ``openai`` assistant uses (:class:`~simuser.models.openai_client.OpenAIChatClient`: retrying POSTs over
    aiohttp when installed, else sharded httpx pools), fresh as in an engine run. (wall s, CPU s)."""
    import asyncio

    from simuser.models.openai_client import OpenAIChatClient

    client = OpenAIChatClient(base_url, "fake", max_connections=128)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(TURNS):
        await asyncio.gather(*(client.chat(BODY["messages"], max_tokens=64) for _ in range(CONVERSATIONS)))
    measured = time.perf_counter() - start, time.process_time() - cpu
    await client.aclose()
    return measured


async def aiohttp_bursts(base_url: str) -> tuple[float, float] | None:
    """The same bursts through aiohttp, when it is installed (it is not a simuser dependency)."""
    import asyncio

    try:
        import aiohttp
    except ImportError:
        return None
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=128)) as session:
        async def post() -> Any:
            async with session.post(base_url + "/chat/completions", json=BODY) as response:
                return await response.json()

        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(TURNS):
            await asyncio.gather(*(post() for _ in range(CONVERSATIONS)))
        return time.perf_counter() - start, time.process_time() - cpu


def transport_floor(base_url: str) -> dict[str, Any]:
    import asyncio

    floor: dict[str, Any] = {}
    for name, measure in (("simuser client", httpx_bursts), ("raw aiohttp", aiohttp_bursts)):
        measured = asyncio.run(measure(base_url))
        if measured is not None:
            floor[name] = {"wall_s": round(measured[0], 3), "cpu_s": round(measured[1], 3)}
    return floor


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    smoke = bool((shared or {}).get("smoke"))
    conversations, turns = (20, 2) if smoke else (CONVERSATIONS, TURNS)
    return [fixed(quick, smoke, conversations, turns), spread(conversations, turns)]


def fixed(quick: bool, smoke: bool, conversations: int, turns: int) -> BenchResult:
    critical = turns * LATENCY_S
    curve = []
    with fake_server_process(LATENCY_S) as base_url:
        timed_run(base_url, 128, conversations, turns)  # warm-up: imports, connection pool
        floor = {} if smoke else transport_floor(base_url)
        for c in (128,) if smoke else QUICK_SWEEP if quick else FULL_SWEEP:
            wall, reasons = timed_run(base_url, c, conversations, turns)
            best = math.ceil(conversations / c) * critical
            curve.append({"concurrency": c, "wall_s": round(wall, 3), "ideal_s": round(best, 2),
                          "vs_ideal": round(wall / best, 3), "end_reasons": reasons})
    measured_serial = next((p["wall_s"] for p in curve if p["concurrency"] == 1), None)
    serial = measured_serial or conversations * critical  # one call at a time: measured, or its ideal
    for point in curve:
        point["speedup_vs_serial"] = round(serial / point["wall_s"], 1)
    full = min((p for p in curve if p["concurrency"] >= conversations), key=lambda p: p["wall_s"])
    ratio = full["wall_s"] / critical
    shape = ", ".join(f"c={p['concurrency']}: {p['wall_s']:.2f}s" for p in curve)
    if floor:
        shape += "; transport alone (5 bursts of 100): " + ", ".join(f"{k} {v['wall_s']:.2f}s" for k, v in floor.items())
    from simuser.models.http import pooled_client

    transport = type(pooled_client()).__name__
    return BenchResult(f"latency-bound: {conversations} conv x {turns} turns @ {int(LATENCY_S * 1000)} ms, wall / critical path",
                       ratio, "x", f"<= {TARGET:g}x", ratio <= TARGET, shape,
                       {"critical_path_s": critical, "curve": curve, "transport_floor": floor, "serial_s": serial,
                        "serial_measured": measured_serial is not None, "client": transport})


def spread(conversations: int, turns: int) -> BenchResult:
    """Spread latency at c=128: wall against the slowest conversation's own critical path (no step barrier
    means no conversation waits for another's slow reply)."""
    with fake_server_process(0.0, "spread") as base_url:
        timed_run(base_url, 128, 4, 1)  # warm-up
        cfg = config(base_url, 128, conversations, turns)
        wall, reasons = timed_run(base_url, 128, conversations, turns)
    slowest = slowest_critical_path(cfg)
    barrier = sum(max(spread_latency(_seed(cfg, intent, t)) for intent in cfg.intents) for t in range(turns))
    ratio = wall / slowest
    notes = (f"wall {wall:.2f}s, slowest conversation's critical path {slowest:.2f}s; "
             f"a step barrier would need at least {barrier:.2f}s")
    return BenchResult(f"latency-bound, spread (log-normal, median 300 ms, 5% over 2 s): {conversations} conv x {turns} turns @ c=128, "
                       "wall / slowest critical path", ratio, "x", f"<= {SPREAD_TARGET:g}x", ratio <= SPREAD_TARGET, notes,
                       {"wall_s": round(wall, 3), "slowest_critical_path_s": round(slowest, 3),
                        "step_barrier_floor_s": round(barrier, 3), "end_reasons": reasons})


def _seed(cfg: Any, intent: Any, turn: int) -> int:
    from simuser.seeds import derive_seed

    return derive_seed(cfg.conversation_seed(intent.id, 0), "assistant", turn + 1)
