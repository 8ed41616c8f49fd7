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


SERVER = (
    "import sys, time\n"
    "from simuser.testing.fake_openai import FakeOpenAIServer\n"
    "server = FakeOpenAIServer(latency_s=float(sys.argv[1])).start()\n"
    "print(server.base_url, flush=True)\n"
    "sys.stdin.read()\n"  # serve until the benchmark closes our stdin
)


@contextmanager
def fake_server_process(latency_s: float) -> Iterator[str]:
    """simuser's fake OpenAI-compatible server in a child process; yields its base URL."""
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(latency_s)], stdin=subprocess.PIPE,
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
    sharded httpx pools), fresh as in an engine run. (wall s, CPU s)."""
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
    for name, measure in (("httpx", httpx_bursts), ("aiohttp", aiohttp_bursts)):
        measured = asyncio.run(measure(base_url))
        if measured is not None:
            floor[name] = {"wall_s": round(measured[0], 3), "cpu_s": round(measured[1], 3)}
    return floor


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    critical = TURNS * LATENCY_S
    curve = []
    with fake_server_process(LATENCY_S) as base_url:
        timed_run(base_url, 128)  # warm-up: imports, connection pool
        floor = transport_floor(base_url)
        for c in QUICK_SWEEP if quick else FULL_SWEEP:
            wall, reasons = timed_run(base_url, c)
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
    shape += "; transport alone (5 bursts of 100): " + ", ".join(f"{k} {v['wall_s']:.2f}s" for k, v in floor.items())
    return [BenchResult(f"latency-bound: {CONVERSATIONS} conv x {TURNS} turns @ {int(LATENCY_S * 1000)} ms, wall / critical path",
                        ratio, "x", f"<= {TARGET:g}x", ratio <= TARGET, shape,
                        {"critical_path_s": critical, "curve": curve, "transport_floor": floor, "serial_s": serial, "serial_measured": measured_serial is not None})]
