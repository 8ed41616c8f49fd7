"""The tools of one agent, loaded from ``module:function`` references, and how a call becomes a message.

A reference is a string ``package.module:function`` (or ``package.module:TOOLS``, a list of functions),
several separated by commas, or an object ``{"target": "package.module:function", "name": ...,
"description": ..., "parameters": {JSON schema}}`` when the schema is given explicitly.

Execution never raises into the run: a tool that is unknown, gets bad arguments or raises answers the
model with ``error: ...`` (as tau2-bench does), and the message's metadata says so.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simuser.errors import UserError
from simuser.schema import Message, ToolCall
from simuser.tools.definition import Tool, tool_from_function

ToolRef = str | dict[str, Any]

class ToolSet:
    """Tools by name; ``openai_schemas()`` goes into the request, ``execute`` answers one call."""

    def __init__(self, tools: Iterable[Tool]):
        self.tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self.tools:
                raise UserError(f"two tools are named '{tool.name}'; give one an explicit name")
            self.tools[tool.name] = tool

    @classmethod
    def load(cls, refs: ToolRef | list[ToolRef]) -> ToolSet:
        return cls(tool for ref in _split(refs) for tool in load_tool(ref))

    def openai_schemas(self) -> list[dict[str, Any]]:
        return [tool.openai_schema() for tool in self.tools.values()]

    async def execute(self, call: ToolCall, state: dict[str, Any]) -> Message:
        """Run one call against ``state`` (changed in place); the ``tool`` message answering it."""
        name = call.function.name
        metadata: dict[str, Any] = {}
        try:
            tool = self.tools[name]
            content = await tool.run(_arguments(call), state)
        except Exception as exc:  # the model hears about its mistake; the run goes on
            content = _error_text(name, exc, self.tools)
            metadata["error"] = True
        return Message(role="tool", content=content, tool_call_id=call.id, name=name, metadata=metadata)

def load_tool(ref: ToolRef) -> list[Tool]:
    """The tools one reference names (a list attribute names several)."""
    if isinstance(ref, dict):
        options = dict(ref)
        target = options.pop("target", None)
        if not isinstance(target, str):
            raise UserError(f"tool {ref}: give 'target': 'package.module:function'")
        return [tool_from_function(_resolve(target), **options)]
    value = _resolve(ref)
    items = value if isinstance(value, list | tuple) else [value]
    return [item if isinstance(item, Tool) else tool_from_function(item) for item in items]

def initial_state(value: dict[str, Any] | str | None) -> dict[str, Any]:
    """The state a conversation starts from: a dict, a JSON file, or ``package.module:attr``; a deep copy."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = _state_from_file(Path(value)) if value.endswith(".json") else _resolve(value)
        value = value() if callable(value) else value
    if not isinstance(value, dict):
        raise UserError(f"tool_state must be a JSON object (a dict), got {type(value).__name__}")
    return copy.deepcopy(value)

def _state_from_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"tool_state file {path}: {exc}; give a readable JSON file") from None

def _split(refs: ToolRef | list[ToolRef]) -> list[ToolRef]:
    if isinstance(refs, str):
        return [part.strip() for part in refs.split(",") if part.strip()]
    return [refs] if isinstance(refs, dict) else list(refs)

def _resolve(target: str) -> Any:
    """``package.module:attr`` to the object it names, or a one-line fix."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise UserError(f"tool '{target}' must look like package.module:function")
    try:
        value: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise UserError(f"tool '{target}': cannot import '{module_name}' ({exc}); add its folder to PYTHONPATH") from None
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise UserError(f"tool '{target}': '{module_name}' has no attribute '{attribute}'; check the spelling")
        value = getattr(value, part)
    return value

def _arguments(call: ToolCall) -> dict[str, Any]:
    try:
        value = json.loads(call.function.arguments or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"arguments are not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ValueError("arguments must be a JSON object")
    return value

def _error_text(name: str, exc: Exception, tools: dict[str, Any]) -> str:
    if isinstance(exc, KeyError) and name not in tools:
        return f"error: no tool named '{name}'; available: {', '.join(tools)}"
    return f"error: {type(exc).__name__}: {exc}"
