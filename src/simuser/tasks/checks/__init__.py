"""Checks on assistant replies: the protocol and the registry of check types by name.

Built-ins: ``number``, ``exact``, ``contains``, ``regex``, ``choice``, ``code``, ``judge`` and ``python``
(docs/tasks.md), and ``tool_called`` / ``tool_state`` for agents (docs/agents.md). Third parties register more under the ``simuser.checks`` entry point; a check type is a
callable taking the check object's options as keyword arguments and returning a :class:`Check`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simuser.errors import UserError
from simuser.registry import Registry
from simuser.tasks.checks.base import Check, CheckContext, CheckResult

if TYPE_CHECKING:
    from simuser.tasks.model import Task

checks: Registry[Check] = Registry(
    "check",
    "simuser.checks",
    {
        "number": "simuser.tasks.checks.number:NumberCheck",
        "exact": "simuser.tasks.checks.text:ExactCheck",
        "contains": "simuser.tasks.checks.text:ContainsCheck",
        "regex": "simuser.tasks.checks.text:RegexCheck",
        "choice": "simuser.tasks.checks.choice:ChoiceCheck",
        "code": "simuser.tasks.checks.code:CodeCheck",
        "python": "simuser.tasks.checks.python:PythonCheck",
        "judge": "simuser.tasks.checks.judge:JudgeCheck",
        "tool_called": "simuser.tasks.checks.tools:ToolCalledCheck",
        "tool_state": "simuser.tasks.checks.tools:ToolStateCheck",
    },
)


def build_check(task: Task, defaults: dict[str, dict[str, Any]] | None = None) -> Check:
    """The task's check, or a one-line error naming the task and the fix.

    ``defaults`` are options per check type that the task's own check object may override, e.g. a suite's
    judge model: ``{"judge": {"model": {...}}}``.
    """
    name = str(task.check.get("type", ""))
    options = {**(defaults or {}).get(name, {}), **task.check}
    options.pop("type", None)
    try:
        checks.check(name)
        return checks.create(name, **options)
    except UserError as exc:
        raise UserError(f"task '{task.id}': {exc}") from None


__all__ = ["Check", "CheckContext", "CheckResult", "build_check", "checks"]
