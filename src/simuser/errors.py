"""Errors a user can cause, and how they surface.

A :class:`UserError` is something the person running simuser can fix (bad file, bad flag, unknown
backend, unreachable endpoint). The CLI prints its message on one line and exits with code 2, with no
traceback. Everything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input; the message names the input and the fix (secrets masked)."""

    def __init__(self, message: str = "", *args: object):
        from simuser.redact import redact_text

        super().__init__(redact_text(str(message)), *args)


class MissingExtraError(UserError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str):
        super().__init__(f"this needs the '{module}' package: pip install 'simuser[{extra}]'")
        self.module = module
        self.extra = extra


def require(module: str, extra: str):
    """Import an optional dependency, or fail with the exact install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module, extra) from exc
