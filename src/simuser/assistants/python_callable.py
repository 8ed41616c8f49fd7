"""The assistant under test as a plain Python function: ``--assistant callable --target pkg.module:fn``.

The function receives the conversation as an OpenAI-format list of ``{"role", "content"}`` dicts (a
fresh copy per call) and returns the reply: a ``str``, or a dict ``{"content": ..., "metadata": {...}}``
when it has facts worth keeping (retrieved documents, tool calls, costs). ``async def`` functions are
awaited; ordinary functions run in a thread pool of ``concurrency`` workers so a slow function (one that
calls an API itself) does not hold up the event loop. Both are called at most ``concurrency`` at a time.

A target given as ``path/to/file.py:fn`` is loaded from that file, for code that is not installed.
An exception from the function fails that conversation only (``assistant_error``), with the exception
type and message recorded.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from simuser import defaults
from simuser.assistants.base import AssistantReply, AssistantRequest, gather_limited, timed_reply
from simuser.errors import UserError
from simuser.schema import ComponentSpec


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


def is_async_callable(function: Callable[..., Any]) -> bool:
    """``async def`` functions, and objects whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(type(function).__call__)


def reply_from_result(result: Any) -> AssistantReply:
    """Turn what the function returned into a reply; anything else than str/dict fails that conversation."""
    if isinstance(result, str):
        return AssistantReply(result)
    if isinstance(result, dict) and isinstance(result.get("content"), str):
        return AssistantReply(result["content"], dict(result.get("metadata") or {}))
    shape = f"dict with keys {sorted(result)}" if isinstance(result, dict) else type(result).__name__
    return AssistantReply.failed(f"the assistant function returned {shape}; return a str or a dict with a str 'content'")


class CallableAssistant:
    """Wraps a user's function as the assistant under test."""

    def __init__(self, target: str, concurrency: int = defaults.CONCURRENCY):
        self._setup(target, load_target(target), concurrency)

    @classmethod
    def from_function(cls, function: Callable[..., Any], concurrency: int = defaults.CONCURRENCY) -> CallableAssistant:
        """Wrap a function object (a test's or a notebook's), recorded as ``module:qualname``."""
        assistant = cls.__new__(cls)
        assistant._setup(f"{function.__module__}:{function.__qualname__}", function, concurrency)
        return assistant

    def _setup(self, target: str, function: Callable[..., Any], concurrency: int) -> None:
        self.target = target
        self.concurrency = concurrency
        self.function = function
        self._is_async = is_async_callable(function)
        self._executor: ThreadPoolExecutor | None = None

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="callable", options={"target": self.target, "concurrency": self.concurrency},
                             description=self.target)

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        return await gather_limited(requests, lambda r: timed_reply(self._respond_one(r)), self.concurrency)

    async def aclose(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def _respond_one(self, request: AssistantRequest) -> AssistantReply:
        try:
            result = await self._call(request.openai_messages())
        except Exception as exc:  # the user's code failed: data on this conversation, not a crash
            return AssistantReply.failed(f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        return reply_from_result(result)

    async def _call(self, messages: list[dict[str, str]]) -> Any:
        if self._is_async:
            return await self.function(messages)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=max(1, self.concurrency), thread_name_prefix="simuser-callable")
        result = await asyncio.get_running_loop().run_in_executor(self._executor, self.function, messages)
        return await result if inspect.isawaitable(result) else result
