"""Build simulators and assistants from their recorded :class:`ComponentSpec`."""

from __future__ import annotations

from typing import Any

from simuser.assistants import Assistant, assistants
from simuser.errors import UserError
from simuser.registry import Registry
from simuser.schema import ComponentSpec
from simuser.users import UserSimulator, simulators


def check_names(config) -> None:
    """Fail fast on an unknown backend name, before any model is loaded or any file written."""
    simulators.check(config.simulator.name)
    assistants.check(config.assistant.name)


def build_simulator(spec: ComponentSpec) -> UserSimulator:
    return _build(simulators, spec)


def build_assistant(spec: ComponentSpec) -> Assistant:
    return _build(assistants, spec)


def _build(registry: Registry[Any], spec: ComponentSpec) -> Any:
    factory = registry.factory(spec.name)
    try:
        return factory(**spec.options)
    except TypeError as exc:
        if "unexpected keyword argument" not in str(exc):
            raise
        bad = str(exc).rsplit("argument", 1)[-1].strip(" '\"")
        raise UserError(f"{registry.kind} '{spec.name}' has no option '{bad}'; see `simuser backends`") from None
