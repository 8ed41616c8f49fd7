"""``simuser serve``: what batching concurrent requests into one simulator call buys.

    OMP_NUM_THREADS=1 python benchmarks/bench_serve.py [--requests 16] [--model default] [--max-new-tokens N]

N clients post first-turn requests at once to a local server running the shipped user model (``userlm``,
``model=default``: SmolLM2-135M + adapter, CPU), first with batching (``--max-batch N``) and then with
``--max-batch 1`` (one simulator call per request, what a naive server does). Prints wall time for all N
answers and the batch sizes the server recorded. Standalone: not part of ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from simuser.schema import ComponentSpec
from simuser.serve import ServeOptions, ServerThread


def bodies(n: int) -> list[dict]:
    goals = ["plan a weekend in Lisbon", "fix a leaking tap", "choose a laptop for school", "cook a vegan curry"]
    return [{"model": "user", "seed": k, "messages": [{"role": "system", "content": goals[k % len(goals)]}]} for k in range(n)]


async def post_all(base_url: str, payloads: list[dict]) -> float:
    async with httpx.AsyncClient(base_url=base_url, timeout=3600) as client:
        started = time.perf_counter()
        responses = await asyncio.gather(*(client.post("/chat/completions", json=p) for p in payloads))
        elapsed = time.perf_counter() - started
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200][:1]
    return elapsed


def measure(spec: ComponentSpec, n: int, max_batch: int) -> tuple[float, dict]:
    with ServerThread(spec, ServeOptions(max_batch=max_batch, batch_window_ms=20)) as server:
        asyncio.run(post_all(server.base_url, bodies(2)))  # warm-up: first generate call
        elapsed = asyncio.run(post_all(server.base_url, bodies(n)))
        stats = server.stats
    return elapsed, stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--model", default="default")
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default: the simulator's own")
    args = parser.parse_args()
    options = {"model": args.model, "device": "cpu"}
    if args.max_new_tokens:
        options["max_new_tokens"] = args.max_new_tokens
    spec = ComponentSpec(name="userlm", options=options)
    for max_batch in (args.requests, 1):
        elapsed, stats = measure(spec, args.requests, max_batch)
        print(f"max_batch={max_batch:>3}: {args.requests} concurrent first turns in {elapsed:.2f} s; "
              f"batch sizes (incl. warm-up) {stats['batch_sizes']}")


if __name__ == "__main__":
    main()
