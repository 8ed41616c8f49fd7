"""A full disk mid-run and a read-only output directory: one line naming the directory, nothing damaged.

The full-disk case mounts a small tmpfs, so it needs root and a working ``mount`` (skipped otherwise);
the read-only case uses a read-only tmpfs as root, or a directory without write permission otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_inproc import invoke

LONG_TURNS = json.dumps(["x" * 3000, "y" * 3000, "z" * 3000])
ARGS = ["--n", "4", "--max-turns", "3", "--simulator", "scripted", "-S", f"turns={LONG_TURNS}", "--assistant", "echo", "-q"]


@contextmanager
def tmpfs(path: Path, size: str):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    path.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True).returncode:
        pytest.skip("mount is not permitted here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def one_error_line(outcome) -> str:
    assert outcome.code == 2, outcome.stdout + outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert len(outcome.error_lines) == 1, outcome.stderr
    return outcome.error_lines[0]


def test_full_disk_mid_run_is_one_line_and_resume_finishes_the_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.txt").write_text("".join(f"goal {k}\n" for k in range(6)))
    with tmpfs(tmp_path / "disk", "96k") as disk:
        line = one_error_line(invoke("simulate", "-i", "goals.txt", "--out", str(disk / "run"), *ARGS))
        assert f"cannot write to {disk / 'run'}" in line and "No space left" in line
        assert not [p.name for p in (disk / "run").iterdir() if p.name.endswith(".tmp")]  # no staging file left
        json.loads((disk / "run" / "run.json").read_text())  # still a whole, valid run.json
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        assert invoke("simulate", "--resume", str(disk / "run"), "-q").code == 0
        records = [json.loads(r) for r in (disk / "run" / "conversations.jsonl").read_text().splitlines()]
    keys = Counter((r["intent"]["id"], r["sample_index"]) for r in records)
    assert len(keys) == 24 and set(keys.values()) == {1}


def test_read_only_output_directory_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.txt").write_text("plan a trip\n")
    assert invoke("simulate", "-i", "goals.txt", "--out", "run", *ARGS).code == 0
    with read_only_directory(tmp_path / "ro") as ro:
        for command in (["simulate", "-i", "goals.txt", "--out", str(ro / "run"), *ARGS],
                        ["export", "run", "-o", str(ro / "chat.jsonl")],
                        ["evaluate", "run", "-o", str(ro / "report"), "--detector", "none"],
                        ["import", "run/conversations.jsonl", "-o", str(ro / "imported")]):
            line = one_error_line(invoke(*command))
            assert "cannot write to" in line and str(ro) in line, (command[0], line)


@contextmanager
def read_only_directory(path: Path):
    if os.geteuid() != 0:
        path.mkdir()
        path.chmod(0o500)
        try:
            yield path
        finally:
            path.chmod(0o700)
        return
    with tmpfs(path, "64k"):
        subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield path
