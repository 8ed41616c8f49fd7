"""A tool the agent under test can call: a Python function, its JSON schema, and how to run it.

Tools are plain functions named ``package.module:function``. The schema the model sees is built from the
signature (types, defaults) and the docstring (first paragraph: the description; a Google-style ``Args:``
section: one line per parameter), or given explicitly. A parameter named ``state`` is not part of the
schema: it receives the conversation's tool state (a JSON dict the tools read and change, tau2-bench
style), so a task can check afterwards what the agent actually did.

Example::

    def cancel_order(state: dict, order_id: str) -> str:
        \"\"\"Cancel an order that has not shipped yet.

        Args:
            order_id: the order's id, e.g. "A7".
        \"\"\"
        state["orders"][order_id]["status"] = "cancelled"
        return "cancelled"
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

STATE_PARAMETER = "state"


@dataclass(frozen=True)
class Tool:
    """One callable tool; ``arguments_model`` validates arguments when the schema came from the signature."""

    name: str
    description: str
    parameters: dict[str, Any]
    function: Callable[..., Any]
    arguments_model: type[BaseModel] | None = None

    def openai_schema(self) -> dict[str, Any]:
        """The entry for the request's ``tools`` list."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}

    async def run(self, arguments: dict[str, Any], state: dict[str, Any]) -> str:
        """Call the function; its result as text for the model (JSON unless it returned a string)."""
        kwargs = self._validated(arguments)
        if STATE_PARAMETER in inspect.signature(self.function).parameters:
            kwargs[STATE_PARAMETER] = state
        result = self.function(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, default=str)

    def _validated(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if self.arguments_model is None:
            return dict(arguments)
        try:
            model = self.arguments_model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolArgumentError(_one_line(exc)) from None
        return {name: getattr(model, name) for name in type(model).model_fields}


class ToolArgumentError(ValueError):
    """The model sent arguments that do not fit the tool's schema (reported back to the model)."""


def tool_from_function(function: Callable[..., Any], name: str | None = None, description: str | None = None,
                       parameters: dict[str, Any] | None = None) -> Tool:
    """A :class:`Tool` from a function; ``parameters`` (a JSON schema) replaces the derived one."""
    summary, arg_docs = parse_docstring(inspect.getdoc(function) or "")
    if parameters is not None:
        return Tool(name or function.__name__, description or summary, parameters, function)
    model = arguments_model(function, arg_docs)
    return Tool(name or function.__name__, description or summary, _clean_schema(model.model_json_schema()), function, model)


def arguments_model(function: Callable[..., Any], arg_docs: dict[str, str]) -> type[BaseModel]:
    """A pydantic model of the function's parameters, ``state`` left out."""
    from pydantic import Field

    fields: dict[str, Any] = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name == STATE_PARAMETER or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        annotation = Any if parameter.annotation is parameter.empty else parameter.annotation
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (annotation, Field(default, description=arg_docs.get(parameter.name)))
    return create_model(f"{function.__name__}_arguments", **fields)


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(first paragraph, {parameter: description}) from a Google-style docstring."""
    summary = " ".join(doc.split("\n\n", 1)[0].split())
    section = re.split(r"^\s*(?:Args|Arguments|Parameters):\s*$", doc, maxsplit=1, flags=re.MULTILINE)
    arg_docs: dict[str, str] = {}
    if len(section) == 2:
        for match in re.finditer(r"^\s*(\w+)(?:\s*\([^)]*\))?:\s*(.+)$", section[1], flags=re.MULTILINE):
            arg_docs.setdefault(match.group(1), match.group(2).strip())
    return summary, arg_docs


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's generated titles: they are noise in the prompt."""
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return schema


def _one_line(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
