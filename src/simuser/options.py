"""Backend options, validated one way: a pydantic model with ``extra="forbid"`` per backend.

A backend declares its model as the class attribute ``options_model``; :meth:`Registry.create` checks the
options against it before building anything, so a mistyped or unknown option is one line naming it and
listing the valid ones. A plugin factory that declares none is checked against a model read from its
signature (names and annotated types); one taking ``**kwargs`` without a model is passed its options as is.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from simuser.errors import UserError

M = TypeVar("M", bound=BaseModel)
_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def parse_options(cls: type[M], options: Mapping[str, Any], backend: str) -> M:
    """Validate ``options`` for ``backend``; mistakes become one-line :class:`UserError` messages."""
    unknown = sorted(set(options) - set(cls.model_fields))
    if unknown:
        raise UserError(f"unknown {backend} option '{unknown[0]}'; valid options: {', '.join(cls.model_fields)}")
    try:
        return cls(**options)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"][:1]) or "options"
        raise UserError(f"invalid {backend} option '{where}': {error['msg']}") from None


def options_model(factory: Callable[..., Any]) -> type[BaseModel] | None:
    """The factory's declared ``options_model``, else one read from its signature (None for ``**kwargs``)."""
    declared = getattr(factory, "options_model", None)
    if declared is not None:
        return declared
    try:
        parameters = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    hints = _type_hints(factory)
    fields: dict[str, Any] = {p.name: (hints.get(p.name, Any), ... if p.default is p.empty else p.default)
                              for p in parameters if p.kind in _KEYWORD}
    config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    try:
        return create_model(f"{getattr(factory, '__name__', 'Factory')}Options", __config__=config, **fields)
    except Exception:  # a type pydantic cannot check: check the names only
        names_only: dict[str, Any] = {k: (Any, d) for k, (_, d) in fields.items()}
        return create_model("Options", __config__=config, **names_only)


def check_options(factory: Callable[..., Any], options: Mapping[str, Any], backend: str) -> None:
    """Raise the one-line :class:`UserError` for options ``factory`` would reject."""
    model = options_model(factory)
    if model is not None:
        parse_options(model, options, backend)


def _type_hints(factory: Callable[..., Any]) -> dict[str, Any]:
    target = factory.__init__ if inspect.isclass(factory) else factory  # type: ignore[misc]
    try:
        return typing.get_type_hints(target)
    except Exception:  # an annotation that does not resolve here: fall back to names only
        return {}
