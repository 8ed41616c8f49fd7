"""Crash soak: kill -9 a real `simuser simulate` at random moments, resume each time, compare with a clean run.

After N kills (each run, the first and every resume, is killed at a random moment) and a final resume,
the run must hold every conversation exactly once, with records identical to an uninterrupted run with
the same seed, timing fields aside. N is small by default; ``SIMUSER_SOAK=27`` (or any N) on demand.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

KILLS = int(os.environ.get("SIMUSER_SOAK", "3"))
ARGS = ["--n", "2", "--max-turns", "3", "--batch-size", "4", "--simulator", "scripted",
        "-S", 'turns=["hello", "tell me more", "thanks"]', "--assistant", "echo", "-A", "delay_s=0.1", "-q"]
TIMING_KEYS = {"latency_s", "batch_latency_s", "batch_size"}  # batch_size: how full a step was, which resume changes


def simuser(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "simuser", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _finished(run: Path) -> int:
    path = run / "conversations.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def comparable(path: Path) -> dict[tuple[str, int], dict]:
    """Records keyed by (intent, sample), without run ids and timings; fails on any duplicate."""
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    keys = Counter((r["intent"]["id"], r["sample_index"]) for r in records)
    assert max(keys.values()) == 1, f"duplicated conversations: {[k for k, n in keys.items() if n > 1]}"
    return {(r["intent"]["id"], r["sample_index"]): _strip(r) for r in records}


def _strip(record: dict) -> dict:
    record = {k: v for k, v in record.items() if k not in ("run_id", "timings")}
    record["messages"] = [{**m, "metadata": {k: v for k, v in m["metadata"].items() if k not in TIMING_KEYS}}
                          for m in record["messages"]]
    return record


def test_kill_9_at_random_moments_then_resume_matches_an_uninterrupted_run(tmp_path):
    goals = tmp_path / "goals.txt"
    goals.write_text("".join(f"goal number {k}\n" for k in range(16)))
    reference = simuser("simulate", "-i", str(goals), "--out", "ref", *ARGS, cwd=tmp_path)
    assert reference.wait(timeout=300) == 0, reference.stderr.read().decode()
    rng, interrupted = random.Random(int(os.environ.get("SIMUSER_SOAK_SEED", "11"))), 0
    for _ in range(KILLS):
        started = (tmp_path / "run" / "run.json").exists()
        command = ["simulate", "--resume", "run", "-q"] if started else ["simulate", "-i", str(goals), "--out", "run", *ARGS]
        process = simuser(*command, cwd=tmp_path)
        time.sleep(rng.uniform(1.5, 4.0))  # start-up takes ~2 s here, the run ~2.5 s: most kills land mid-run
        process.send_signal(signal.SIGKILL)
        interrupted += process.wait(timeout=60) == -signal.SIGKILL and _finished(tmp_path / "run") < 32
    started = (tmp_path / "run" / "run.json").exists()
    command = ["simulate", "--resume", "run", "-q"] if started else ["simulate", "-i", str(goals), "--out", "run", *ARGS]
    final = simuser(*command, cwd=tmp_path)
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()
    run, ref = comparable(tmp_path / "run" / "conversations.jsonl"), comparable(tmp_path / "ref" / "conversations.jsonl")
    assert len(ref) == 32
    assert interrupted >= min(KILLS, 1), "no kill landed while the run was unfinished; the soak tested nothing"
    assert run == ref
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "finished"
