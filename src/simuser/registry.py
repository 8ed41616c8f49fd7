"""Backends by name: built-ins and third-party plugins.

Built-ins are registered as ``"module:attribute"`` strings so that naming a backend never imports
torch or an HTTP client until it is used. Third parties add backends without editing simuser, through
the entry-point groups ``simuser.users`` and ``simuser.assistants``::

    [project.entry-points."simuser.assistants"]
    my-bot = "my_pkg.bot:MyAssistant"

A backend factory is any callable taking keyword arguments (its options) and returning an object that
satisfies the group's protocol; its options are validated by :mod:`simuser.options` before it is called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from simuser.errors import UserError
from simuser.options import check_options

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of factories for one extension point."""

    def __init__(self, kind: str, entry_point_group: str, builtins: dict[str, str] | None = None):
        self.kind = kind
        self.entry_point_group = entry_point_group
        self._targets: dict[str, str | Callable[..., T]] = dict(builtins or {})
        self._plugins_loaded = False

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: ``@users.register("my-sim")`` on a class or factory function."""

        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self._targets[name] = factory
            return factory

        return decorate

    def names(self) -> list[str]:
        self._load_plugins()
        return sorted(self._targets)

    def check(self, name: str) -> None:
        """Fail with the list of valid names, without importing the backend."""
        self._load_plugins()
        if name not in self._targets:
            raise UserError(f"unknown {self.kind} '{name}'; choose one of: {', '.join(self.names())}")

    def factory(self, name: str) -> Callable[..., T]:
        self.check(name)
        target = self._targets[name]
        if isinstance(target, str):
            module_name, _, attribute = target.partition(":")
            target = getattr(importlib.import_module(module_name), attribute)
            self._targets[name] = target
        return target

    def create(self, name: str, **options: Any) -> T:
        """Build the backend ``name`` with ``options``; an unknown or invalid option is a one-line user error."""
        factory = self.factory(name)
        check_options(factory, options, f"{name} {self.kind}")
        return factory(**options)

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry in entry_points(group=self.entry_point_group):
            self._targets.setdefault(entry.name, entry.value)
