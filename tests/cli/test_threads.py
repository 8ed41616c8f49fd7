"""--threads: torch's intra-op threads for local models, the machine's cores by default, in run.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from simuser.models.threads import apply_threads, default_threads, resolve_threads


def test_default_is_omp_num_threads_when_set_else_the_cores(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads() == 3 and resolve_threads(None) == 3 and resolve_threads(5) == 5
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert default_threads() == len(os.sched_getaffinity(0))


def test_applies_to_torch_when_imported_and_to_the_environment_before(monkeypatch):
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        assert apply_threads(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    code = ("import os, sys; from simuser.models.threads import apply_threads; apply_threads(1); "
            "assert 'torch' not in sys.modules; import torch; print(os.environ['OMP_NUM_THREADS'], torch.get_num_threads())")
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["1", "1"]


def test_simulate_records_threads_in_run_json(run_cli, home):
    (home / "goals.txt").write_text("plan a weekend in Lisbon\n")
    scripted = ["--simulator", "scripted", "-S", 'turns=["hi"]', "--assistant", "echo"]
    result = run_cli("simulate", "--intents", "goals.txt", "--out", "runs/t", "--threads", "1", *scripted)
    assert result.returncode == 0, result.stderr
    assert json.loads((home / "runs/t/run.json").read_text())["config"]["threads"] == 1
    assert run_cli("simulate", "--intents", "goals.txt", "--out", "runs/d", *scripted).returncode == 0
    assert json.loads((home / "runs/d/run.json").read_text())["config"]["threads"] >= 1
    for command in ("demo", "evaluate", "compare", "intents", "train", "perplexity"):
        assert "--threads" in run_cli(command, "--help").stdout, command
