"""Conditions of ``simuser gap``: who asks the assistant.

``--conditions original,prompted,userlm`` names them, comma-separated:

* ``original``: the task's question asked once, then the user leaves (:mod:`simuser.users.question`);
* any simulator by name (``prompted``, ``userlm``, ``userlm-completions``, a plugin's name), with the
  run's ``-S`` options;
* ``LABEL=NAME:KEY=VALUE:KEY=VALUE``: the simulator ``NAME`` with extra options under its own label, so
  the same simulator can run twice with different settings (``hot=prompted:temperature=1.2``). Values are
  JSON where they parse (``1.2``, ``true``), else strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from simuser.errors import UserError
from simuser.schema import ComponentSpec

ORIGINAL = "original"
DEFAULT_CONDITIONS = "original,prompted,userlm"
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Condition:
    label: str
    simulator: ComponentSpec

    @property
    def description(self) -> str:
        if self.simulator.name == ORIGINAL:
            return "the question, asked once"
        options = ", ".join(f"{k}={_shown(v)}" for k, v in self.simulator.options.items())
        return f"{self.simulator.name} simulator" + (f" ({options})" if options else "")


def _shown(value: Any) -> Any:
    """Option values as a reader wants them in a table: a file path by its last part (the full value stays
    in the run's config)."""
    if isinstance(value, str) and "/" in value and not value.startswith(("http://", "https://")):
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


def parse_conditions(text: str | list[str], simulator_options: dict[str, Any] | None = None) -> list[Condition]:
    items = [item.strip() for part in ([text] if isinstance(text, str) else text) for item in split_top_level(part)]
    conditions = [parse_condition(item, simulator_options or {}) for item in items if item]
    if not conditions:
        raise UserError(f"--conditions is empty; e.g. --conditions {DEFAULT_CONDITIONS}")
    labels = [c.label for c in conditions]
    duplicate = next((label for label in labels if labels.count(label) > 1), None)
    if duplicate:
        raise UserError(f"condition '{duplicate}' appears twice; give one a label: other={duplicate}:KEY=VALUE")
    return conditions


def parse_condition(item: str, simulator_options: dict[str, Any]) -> Condition:
    from simuser.users import simulators

    head = item.split(":", 1)[0]
    label, rest = (item.split("=", 1) if "=" in head else ("", item))
    name, *pairs = split_top_level(rest, ":")
    label = label or name
    if not LABEL.match(label):
        raise UserError(f"condition label '{label}' must be letters, digits, '-', '_' or '.' (it names a directory)")
    simulators.check(name)
    if name == ORIGINAL:
        return Condition(label, ComponentSpec(name=ORIGINAL))
    return Condition(label, ComponentSpec(name=name, options={**simulator_options, **_options(pairs, item)}))


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and quotes, so JSON option values may hold commas."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "[{":
            depth += 1
        elif not quoted and char in "]}":
            depth -= 1
        if char == sep and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    return [*parts, "".join(current)]


def _options(pairs: list[str], item: str) -> dict[str, Any]:
    options = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise UserError(f"condition '{item}': '{pair}' is not KEY=VALUE; e.g. hot=prompted:temperature=1.2")
        try:
            options[key.replace("-", "_")] = json.loads(raw)
        except json.JSONDecodeError:
            options[key.replace("-", "_")] = raw
    return options
