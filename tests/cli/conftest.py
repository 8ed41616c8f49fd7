import os
import subprocess
import sys

import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An isolated home and working directory, as a new user would have."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run_cli(home):
    """Run the real `simuser` entry point in a subprocess; returns CompletedProcess."""

    def run(*args: str, env: dict | None = None):
        return subprocess.run(
            [sys.executable, "-m", "simuser", *args], capture_output=True, text=True, cwd=home,
            env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=300,
        )

    return run
