"""A Python function as a chat model: ``{"name": "callable", "options": {"target": "pkg.mod:reply"}}``.

For tests, judges written as code, and wrapping any client simuser has no backend for. The function takes
one chat (a list of OpenAI-style messages) and returns the reply text; it may be ``async``. An exception
becomes that chat's :class:`~simuser.models.chat.Generation` error.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.models.chat import Chat, Generation, Sampling, check_lengths
from simuser.models.concurrency import gather_limited
from simuser.models.targets import load_target
from simuser.options import parse_options
from simuser.schema import ComponentSpec

ReplyFn = Callable[[list[dict[str, Any]]], "str | Awaitable[str]"]


class CallableOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str
    concurrency: int = Field(defaults.CONCURRENCY, ge=1)


class CallableChatModel:
    def __init__(self, function: ReplyFn | None = None, **options: Any):
        if function is not None:
            options.setdefault("target", f"{function.__module__}:{getattr(function, '__qualname__', 'function')}")
        self.options = parse_options(CallableOptions, options, "callable chat model")
        self.function = function or load_target(self.options.target)

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="callable", options=self.options.model_dump(), description=self.options.target)

    async def generate(
        self, chats: Sequence[Chat], sampling: Sampling, seeds: Sequence[int], cache_keys: Sequence[str | None] | None = None
    ) -> list[Generation]:
        check_lengths(chats, seeds, cache_keys)
        return await gather_limited(list(chats), self._one, self.options.concurrency)

    def release(self, key: str) -> None:
        pass

    async def aclose(self) -> None:
        pass

    async def _one(self, chat: Chat) -> Generation:
        started = time.perf_counter()
        try:
            reply = self.function([dict(m) for m in chat])
            if inspect.isawaitable(reply):
                reply = await reply
        except Exception as exc:  # the function's failure is this chat's error, not the run's
            return Generation.failed(f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
        return Generation(str(reply), latency_s=round(time.perf_counter() - started, 4))
