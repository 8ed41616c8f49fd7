"""Build simulators and assistants from their recorded :class:`ComponentSpec`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simuser.assistants import Assistant, assistants
from simuser.registry import Registry
from simuser.schema import ComponentSpec
from simuser.users import UserSimulator, simulators


def check_names(config, simulator: bool = True, assistant: bool = True) -> None:
    """Fail fast on an unknown backend name, before any model is loaded or any file written."""
    if simulator:
        simulators.check(config.simulator.name)
    if assistant:
        assistants.check(config.assistant.name)


def build_simulator(spec: ComponentSpec) -> UserSimulator:
    return _build(simulators, spec)


def build_assistant(spec: ComponentSpec) -> Assistant:
    return _build(assistants, spec)


def _build(registry: Registry[Any], spec: ComponentSpec) -> Any:
    return registry.create(spec.name, **spec.options)


async def close_all(components: Sequence[object]) -> None:
    """``aclose()`` each component that has one, in order."""
    for component in components:
        close = getattr(component, "aclose", None)
        if close is not None:
            await close()
