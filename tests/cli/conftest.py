import os
import subprocess
import sys
from dataclasses import dataclass

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


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(home):
    """Run ``simuser ARGS`` in-process: :func:`simuser.cli.app.main` inside typer's CliRunner isolation.

    Same exit codes and one-line errors as the installed command, without a new interpreter per call; an
    unexpected exception propagates (it would be a traceback on the command line).
    """
    from typer.testing import CliRunner

    from simuser.cli.app import main

    def run(*args: str, env: dict | None = None) -> CliResult:
        with CliRunner().isolation(env={"COLUMNS": "200", **(env or {})}) as (stdout, stderr, _):
            code = main(list(args))
            sys.stdout.flush(), sys.stderr.flush()
            return CliResult(code, stdout.getvalue().decode(), stderr.getvalue().decode())

    return run


@pytest.fixture
def run_process(home):
    """The true end to end: the real `simuser` entry point in a subprocess; returns CompletedProcess."""

    def run(*args: str, env: dict | None = None):
        return subprocess.run(
            [sys.executable, "-m", "simuser", *args], capture_output=True, text=True, cwd=home,
            env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=300,
        )

    return run
