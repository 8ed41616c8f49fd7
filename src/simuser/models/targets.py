"""``package.module:function`` (or ``file.py:function``) targets: a user's Python function, by name.

Used by the ``callable`` assistant and the ``callable`` chat model; every way it can go wrong is a one-line
:class:`~simuser.errors.UserError` that names the target and the fix.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simuser.errors import UserError


def load_target(target: str) -> Callable[..., Any]:
    """Resolve ``package.module:function`` (or ``file.py:function``) to a callable, or explain the fix."""
    module_name, sep, attribute = target.rpartition(":")
    if not sep or not module_name or not attribute:
        raise UserError(f"target '{target}' must look like package.module:function (a colon before the function name)")
    module = _import(module_name, target)
    function: Any = module
    for part in attribute.split("."):
        if not hasattr(function, part):
            raise UserError(f"target '{target}': module '{module_name}' has no attribute '{attribute}'; check the spelling")
        function = getattr(function, part)
    if not callable(function):
        raise UserError(f"target '{target}' is a {type(function).__name__}, not a function; point it at a callable")
    return function


def _import(module_name: str, target: str):
    if module_name.endswith(".py"):
        return _import_file(Path(module_name), target)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UserError(
            f"target '{target}': cannot import '{module_name}' ({exc}); install it or run from the folder "
            "that contains it (or add that folder to PYTHONPATH)"
        ) from None
    except Exception as exc:
        raise UserError(f"target '{target}': importing '{module_name}' failed: {type(exc).__name__}: {exc}") from None


def _import_file(path: Path, target: str):
    if not path.is_file():
        raise UserError(f"target '{target}': file {path} does not exist; fix the path before the colon")
    name = f"simuser_target_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise UserError(f"target '{target}': running {path} failed: {type(exc).__name__}: {exc}") from None
    return module
