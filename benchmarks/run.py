"""Run simuser's benchmarks and print a table of ratios measured side by side in this run.

    python benchmarks/run.py                 # all of them
    python benchmarks/run.py --quick         # 2-turn engine workload, shorter sweeps (about 10 minutes on 2 cores)
    python benchmarks/run.py --full          # the naive loop on all 32 conversations instead of 8 (slow on CPU)
    python benchmarks/run.py --smoke --out /tmp/smoke.json   # tiny sizes: proves each benchmark runs
    python benchmarks/run.py --only latency,report
    python benchmarks/run.py --only gpu      # on a CUDA machine: UserLM-8b's shape, random weights, bf16

Results (values, targets, the machine and the command) go to ``benchmarks/results.json``. Each benchmark
is a module here with ``run(quick, shared) -> list[BenchResult]``; ``shared`` lets one benchmark reuse a
measurement another already made in this invocation (benchmark 2 reads the engine run of benchmark 1).
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import BenchResult, machine  # noqa: E402

BENCHMARKS = {  # name -> module, in running order
    "engine": "bench_engine",
    "overhead": "bench_overhead",
    "latency": "bench_latency",
    "report": "bench_report",
    "ray": "bench_ray",
    "memory": "bench_memory",
    "identity": "bench_identity",
    "gpu": "bench_gpu",  # only with --only gpu: needs a CUDA machine
}
DEFAULT = ["engine", "overhead", "latency", "report", "ray", "memory", "identity"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="2-turn engine workload, shorter sweeps")
    parser.add_argument("--full", action="store_true", help="the naive loop on all 32 conversations (slow on CPU)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: proves every benchmark runs (numbers mean nothing)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="where to write the results")
    return parser.parse_args(argv)


def selected(only: str) -> list[str]:
    names = [n.strip() for n in only.split(",") if n.strip()] or DEFAULT
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark '{unknown[0]}'; choose from: {', '.join(BENCHMARKS)}")
    return names


def run_one(name: str, quick: bool, shared: dict[str, Any]) -> list[BenchResult]:
    module = importlib.import_module(BENCHMARKS[name])
    start = time.perf_counter()
    try:
        results = module.run(quick=quick, shared=shared)
    except Exception as exc:  # one broken benchmark must not hide the others' numbers
        traceback.print_exc()
        results = [BenchResult(name, 0.0, "x", "-", False, f"failed: {type(exc).__name__}: {exc}")]
    for result in results:
        result.details["benchmark_s"] = round(time.perf_counter() - start, 1)
    return results


def print_table(results: list[BenchResult], conditions: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="simuser benchmarks", title_justify="left")
    for column in ("benchmark", "measured", "target", "met", "notes"):
        table.add_column(column, overflow="fold")
    for r in results:
        met = "-" if r.met is None else ("[green]yes[/]" if r.met else "[red]no[/]")
        table.add_row(r.name, r.shown(), r.target, met, r.notes)
    console = Console(width=160)
    console.print(table)
    console.print(f"[dim]{conditions['cpu']}, {conditions['cores']} cores, load average at start "
                  f"{conditions['load_average']}; torch threads {conditions.get('torch_threads')}[/]")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = selected(args.only)
    conditions = machine()
    shared: dict[str, Any] = {"full": args.full, "smoke": args.smoke}
    started = time.time()
    results = [r for name in names for r in run_one(name, args.quick, shared)]
    conditions["load_average_end"] = machine()["load_average"]
    print_table(results, conditions)
    record = {
        "command": "python benchmarks/run.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "wall_s": round(time.time() - started, 1), "quick": args.quick, "full": args.full, "smoke": args.smoke,
        "machine": conditions,
        "results": [r.to_json() for r in results],
    }
    args.out.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
