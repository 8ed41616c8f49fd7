"""Task checks on what an agent *did*: ``tool_called`` and ``tool_state`` (tau2-bench style).

Registered as built-in check types of :mod:`simuser.tasks.checks` (a ``check(context) -> CheckResult``
method; ``context.conversation`` is the conversation so far), and read the tool calls on the
conversation's messages and the final state on ``conversation.metadata["tool_state"]``. Task lines::

    {"check": {"type": "tool_called", "name": "cancel_order", "arguments": {"order_id": "A7"}}}
    {"check": {"type": "tool_state", "expected": {"orders": {"A7": {"status": "cancelled"}}}}}

``tool_state`` compares the expected object with the final state: by default as a subset (every key the
expected object names must hold the expected value; keys it does not name may hold anything), or exactly
(``match: "exact"``, tau2-bench's rule that the final database equals the gold one).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from simuser.schema import Conversation, ToolCall
from simuser.tasks.checks.base import CheckResult


class ToolCalledCheck(BaseModel):
    """Passes when the agent called tool ``name`` (with at least the given ``arguments``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] = {}

    def check(self, context: Any) -> CheckResult:
        calls = [c for c in tool_calls(context.conversation) if c.function.name == self.name]
        matching = [c for c in calls if is_subset(self.arguments, c.parsed_arguments())]
        if matching:
            return CheckResult(True, 1.0, _render(matching[0]), f"the agent called {_render(matching[0])}")
        if calls:
            seen = ", ".join(_render(c) for c in calls)
            return CheckResult(False, 0.0, _render(calls[-1]), f"{self.name} was called, but not with {self.arguments}: {seen}")
        return CheckResult(False, 0.0, None, f"the agent never called {self.name}")


class ToolStateCheck(BaseModel):
    """Passes when the tools' final state matches ``expected`` (a subset, or exactly)."""

    model_config = ConfigDict(extra="forbid")

    expected: dict[str, Any]
    match: Literal["subset", "exact"] = "subset"

    def check(self, context: Any) -> CheckResult:
        state = context.conversation.metadata.get("tool_state")
        if state is None:
            return CheckResult(False, 0.0, None, "no tool state: the agent has no tools or none ran")
        path = first_difference(self.expected, state, exact=self.match == "exact")
        if path is None:
            return CheckResult(True, 1.0, None, f"the final tool state matches ({self.match})")
        return CheckResult(False, 0.0, None, f"the final tool state differs at {path or 'the top level'}")


def tool_calls(conversation: Conversation) -> list[ToolCall]:
    """Every tool call the agent made, in order."""
    return [call for m in conversation.messages for call in m.tool_calls or []]


def is_subset(expected: Any, actual: Any) -> bool:
    return first_difference(expected, actual, exact=False) is None


def first_difference(expected: Any, actual: Any, *, exact: bool, path: str = "") -> str | None:
    """The path of the first value that differs (``orders.A7.status``), or None when they match."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if exact and set(expected) != set(actual):
            return f"{path}{{{', '.join(sorted(map(str, set(expected) ^ set(actual))))}}}"
        for key, value in expected.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                return where
            if (diff := first_difference(value, actual[key], exact=exact, path=where)) is not None:
                return diff
        return None
    return None if expected == actual else path


def _render(call: ToolCall) -> str:
    return f"{call.function.name}({json.dumps(call.parsed_arguments(), ensure_ascii=False, sort_keys=True)})"
