"""Backend options, validated one way: a pydantic model with ``extra="forbid"`` per backend.

A mistyped or unknown option is one line naming it and listing the valid ones, before anything loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from simuser.errors import UserError

M = TypeVar("M", bound=BaseModel)


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
