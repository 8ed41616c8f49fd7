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
import inspect
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from simuser import defaults
from simuser.assistants.base import AssistantReply, AssistantRequest, gather_limited, timed_reply
from simuser.models.targets import load_target
from simuser.schema import ComponentSpec


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

    independent_requests = True  # one call per request: the engine need not wait for a whole step

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
