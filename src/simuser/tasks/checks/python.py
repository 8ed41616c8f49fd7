"""``python``: any rule as a Python function, ``{"type": "python", "function": "pkg.module:fn"}``.

The function is called as ``fn(conversation, task)`` (the conversation ends with the reply being checked)
and returns a ``bool``, a score in [0, 1] (passes at ``threshold``), a :class:`CheckResult`, or a dict of
its fields. Extra keys of the check object are passed as keyword arguments (``fn(conversation, task,
**options)``). The function is imported when the tasks are loaded, so a typo fails before the run.
"""

from __future__ import annotations

from typing import Any

from simuser.errors import UserError
from simuser.tasks.checks.base import CheckContext, CheckOptions, CheckResult, parse_options


class PythonOptions(CheckOptions):
    function: str
    threshold: float = 1.0


class PythonCheck:
    def __init__(self, **options: Any):
        from simuser.assistants.python_callable import load_target

        known = {k: v for k, v in options.items() if k in PythonOptions.model_fields}
        self.options = parse_options("python", PythonOptions, known)
        self.extra = {k: v for k, v in options.items() if k not in known}  # passed on to the function
        self.function = load_target(self.options.function)

    def check(self, context: CheckContext) -> CheckResult:
        result = self.function(context.conversation, context.task, **self.extra)
        return as_result(result, self.options.threshold, self.options.function)


def as_result(result: Any, threshold: float, name: str) -> CheckResult:
    if isinstance(result, CheckResult):
        return result
    if isinstance(result, dict):
        return CheckResult(**result)
    if isinstance(result, bool):
        return CheckResult.verdict(result, None, f"{name} returned {result}")
    if isinstance(result, int | float):
        score = float(result)
        return CheckResult(score >= threshold, score, None, f"{name} scored {score:g} (passes at {threshold:g})")
    raise UserError(f"check function {name} returned {type(result).__name__}; return a bool, a score, or a CheckResult")
