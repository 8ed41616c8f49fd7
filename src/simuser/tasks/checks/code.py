"""``code``: the reply's Python code, run against the task's tests in a subprocess.

The code is the reply's fenced code blocks (```` ```python ```` or plain ```` ``` ````), joined in order
(a later definition replaces an earlier one), or the whole reply when it has no fence and compiles. Each
test is a statement run in the code's namespace (``assert add(2, 3) == 5``); the check passes when every
test passes, and its score is the share that pass.

Containment, best effort and **not a security boundary** (run untrusted code in a container): a fresh
``python -I`` process in a throw-away working directory with a minimal environment; limits on address
space (``memory_mb``), CPU seconds and file size; a wall-clock ``timeout_s`` after which the process group
is killed; an audit hook that refuses sockets, new processes and file writes outside that directory
(:mod:`.code_runner`). An infinite loop, a crash or running out of memory is a failed reply with its
reason, never a hang of the run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import Field

from simuser.tasks.checks.base import CheckContext, CheckOptions, CheckResult, parse_options

RUNNER = Path(__file__).with_name("code_runner.py")
FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


class CodeOptions(CheckOptions):
    tests: list[str] = Field(min_length=1)
    setup: str = ""  # run before the reply's code (imports, helpers the tests need)
    timeout_s: float = Field(10.0, gt=0)
    memory_mb: int = Field(1024, ge=64)


def extract_code(reply: str) -> str | None:
    blocks = FENCE.findall(reply)
    if blocks:
        return "\n\n".join(block.strip("\n") for block in blocks)
    try:
        compile(reply, "<reply>", "exec")
    except (SyntaxError, ValueError):
        return None
    return reply


class CodeCheck:
    def __init__(self, **options: Any):
        self.options = parse_options("code", CodeOptions, options)

    def check(self, context: CheckContext) -> CheckResult:
        code = extract_code(context.reply)
        if code is None:
            return CheckResult.verdict(False, None, "no Python code in the reply")
        outcome = run_tests(f"{self.options.setup}\n{code}", self.options.tests, self.options.timeout_s, self.options.memory_mb)
        return verdict(outcome, code)


def verdict(outcome: dict[str, Any], code: str) -> CheckResult:
    tests = outcome.get("tests", [])
    if not outcome.get("loaded"):
        return CheckResult(False, 0.0, code[:500], f"the code did not run: {outcome.get('error')}")
    passed = sum(t["passed"] for t in tests)
    first_failure = next((t for t in tests if not t["passed"]), None)
    reason = f"{passed}/{len(tests)} tests pass" + (f"; {first_failure['test']}: {first_failure['error']}" if first_failure else "")
    return CheckResult(passed == len(tests), passed / len(tests), code[:500], reason)


def run_tests(code: str, tests: list[str], timeout_s: float, memory_mb: int) -> dict[str, Any]:
    """Run the runner in a fresh process and directory; a timeout or crash is a failure, not an exception."""
    job = json.dumps({"code": code, "tests": tests})
    with tempfile.TemporaryDirectory(prefix="simuser-code-") as home:
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(RUNNER)], input=job, capture_output=True, text=True, cwd=home,
                env={"PATH": os.environ.get("PATH", ""), "HOME": home, "PYTHONHASHSEED": "0"},
                timeout=timeout_s, preexec_fn=_limits(timeout_s, memory_mb), start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            return {"loaded": False, "error": f"timed out after {timeout_s:g} s (killed)"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " ".join(done.stderr.split()[-20:]) or f"exit code {done.returncode}"
        return {"loaded": False, "error": f"the process died ({tail})"}
    return json.loads(lines[-1])


def _limits(timeout_s: float, memory_mb: int):
    def apply() -> None:
        import resource

        cpu = int(timeout_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))

    return apply if sys.platform != "win32" else None
