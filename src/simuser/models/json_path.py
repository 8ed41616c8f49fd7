"""JSONPath-lite: pick one value out of a JSON document by a short path.

Bots that are not OpenAI-shaped put their reply anywhere (``{"data": {"reply": {"text": ...}}}``), so the
HTTP assistant takes a *path* to it. The syntax is the common subset people already write:

- keys separated by dots: ``data.reply.text``;
- list indices in brackets or as a dotted number: ``choices[0].message.content`` == ``choices.0.message.content``;
  negative indices count from the end (``messages[-1].text``);
- an optional leading ``$`` or ``$.`` (as in JSONPath) is ignored; the empty path is the whole document.

No wildcards, filters or keys containing dots: one path names one value.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"\[(-?\d+)\]|([^.\[\]]+)")
_MISSING = object()


class PathError(LookupError):
    """The path does not lead to a value in this document; the message says where it stopped."""


def parse_path(path: str) -> list[str | int]:
    """``"choices[0].message"`` -> ``["choices", 0, "message"]``; raises ValueError on a malformed path."""
    path = path.strip()
    path = path[1:] if path.startswith("$") else path
    steps: list[str | int] = []
    position = 0
    while position < len(path):
        if path[position] == ".":
            position += 1
            continue
        match = _TOKEN.match(path, position)
        if match is None:
            raise ValueError(f"cannot read the path {path!r} at character {position + 1}; write it like data.items[0].text")
        index, key = match.groups()
        steps.append(int(index) if index is not None else (int(key) if key.lstrip("-").isdigit() else key))
        position = match.end()
    return steps


def get_path(document: Any, path: str | list[str | int]) -> Any:
    """The value at ``path`` in ``document``; :class:`PathError` naming the missing step otherwise."""
    steps = parse_path(path) if isinstance(path, str) else path
    value = document
    for depth, step in enumerate(steps):
        value = _step(value, step)
        if value is _MISSING:
            raise PathError(f"no {_render(steps[: depth + 1])} in the response ({_available(document, steps[:depth])})")
    return value


def _step(value: Any, step: str | int) -> Any:
    if isinstance(value, dict):
        return value.get(str(step), _MISSING)
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        return value[step]
    return _MISSING


def _available(document: Any, parent: list[str | int]) -> str:
    value = get_path(document, parent) if parent else document
    where = _render(parent) or "top level"
    if isinstance(value, dict):
        return f"keys at {where}: {', '.join(sorted(map(str, value))) or 'none'}"
    if isinstance(value, list):
        return f"{where} is a list of {len(value)}"
    return f"{where} is {type(value).__name__}"


def _render(steps: list[str | int]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text
