"""The real `simuser` entry point, run in-process under typer's CliRunner isolation.

``invoke("show", "RUN")`` returns the exit code and what went to stdout and stderr. It calls
:func:`simuser.cli.app.main`, the same function the console script calls, so a user error is exit 2
with one line and anything else (a traceback) surfaces as an exception in the test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from typer.testing import CliRunner

from simuser.cli.app import main


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def invoke(*args: str, env: dict[str, str] | None = None) -> Outcome:
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    with runner.isolation() as streams:
        code = main([str(a) for a in args])
        stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
    return Outcome(code, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"))


def snapshot(directory) -> dict[str, bytes]:
    """Every file under ``directory`` (lock files aside), for 'no byte changed' checks."""
    files = {}
    for root, _, names in os.walk(directory):
        for name in names:
            if name == ".lock" or name.endswith(".lock"):
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, directory)] = handle.read()
    return files
