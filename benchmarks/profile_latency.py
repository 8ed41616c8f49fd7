"""Where the client's CPU goes in benchmark 3: a cProfile of one run at concurrency 128, by package.

    python benchmarks/profile_latency.py

Self time of every profiled function is summed by the package its file belongs to (httpx and its stack,
asyncio, simuser, pydantic, ...), so the share of the HTTP client against the engine is a measurement.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_latency  # noqa: E402

GROUPS = (("httpx", "httpx/httpcore/h11/anyio"), ("httpcore", "httpx/httpcore/h11/anyio"),
          ("/h11/", "httpx/httpcore/h11/anyio"), ("anyio", "httpx/httpcore/h11/anyio"),
          ("sniffio", "httpx/httpcore/h11/anyio"), ("simuser", "simuser"), ("pydantic", "pydantic"),
          ("asyncio", "asyncio"), ("json", "json"), ("socket", "sockets (syscalls)"),
          ("select", "sockets (syscalls)"))


def group(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    return next((name for key, name in GROUPS if key in where), "other")


def main() -> None:
    with bench_latency.fake_server_process(bench_latency.LATENCY_S) as base_url:
        bench_latency.timed_run(base_url, 128)  # warm-up
        profiler = cProfile.Profile()
        start, cpu = time.perf_counter(), time.process_time()
        profiler.enable()
        bench_latency.timed_run(base_url, 128)
        profiler.disable()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    shares: Counter[str] = Counter()
    for (filename, _, function), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        shares[group(filename, function)] += row[2]  # self time
    total = sum(shares.values())
    print(f"one run at concurrency 128 (profiled): wall {wall:.2f} s, client CPU {cpu:.2f} s")
    for name, seconds in shares.most_common():
        print(f"  {name:28s} {seconds:6.2f} s  {seconds / total:5.1%}")


if __name__ == "__main__":
    main()
