"""OpenAI-compatible endpoints behind the :class:`~simuser.models.chat.ChatModel` interface.

``openai``: ``/chat/completions``, the server applies its chat template. ``openai-completions``:
``/completions`` with a prompt simuser renders itself (``template``: ``"userlm"`` or a Jinja chat
template), for models served without the template they need.

Each chat is one request; the requests of a call run concurrently, at most ``concurrency`` at a time, over
one pooled client. Retries, backoff and ``Retry-After`` are :mod:`simuser.models.http`'s; a request that
still fails becomes that chat's ``Generation.error``. Each request carries its chat's seed (``send_seed``),
so a server that honours ``seed`` reproduces a run. Usage and ``finish_reason`` are kept when the server
sends them; tool calls in the reply land in ``Generation.metadata["tool_calls"]``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.models.chat import Chat, Generation, Sampling, Usage, check_lengths
from simuser.models.concurrency import gather_limited
from simuser.models.http import MAX_RETRIES_LIMIT, EndpointError, RetryPolicy
from simuser.models.openai_client import OpenAIChatClient
from simuser.models.templates import render_chat
from simuser.options import parse_options
from simuser.schema import ComponentSpec


class EndpointOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    concurrency: int = Field(defaults.CONCURRENCY, ge=1)
    timeout: float = Field(defaults.REQUEST_TIMEOUT_S, gt=0)
    max_retries: int = Field(defaults.MAX_HTTP_RETRIES, ge=0, le=MAX_RETRIES_LIMIT)
    backoff_base_s: float = Field(defaults.BACKOFF_BASE_S, ge=0)
    backoff_max_s: float = Field(defaults.BACKOFF_MAX_S, ge=0)
    send_seed: bool = True
    extra_body: dict[str, Any] = Field(default_factory=dict)


class CompletionsOptions(EndpointOptions):
    template: str = "userlm"


class OpenAIChatModel:
    """``{"name": "openai", "options": {"base_url": "http://localhost:8000/v1", "model": "NAME"}}``."""

    name = "openai"
    options_model: type[EndpointOptions] = EndpointOptions

    def __init__(self, **options: Any):
        self.options = parse_options(self.options_model, options, f"{self.name} chat model")
        o = self.options
        retry = RetryPolicy(max_retries=o.max_retries, backoff_base_s=o.backoff_base_s, backoff_max_s=o.backoff_max_s)
        self.client = OpenAIChatClient(o.base_url, o.model, o.api_key_env, timeout=o.timeout, retry=retry,
                                       extra_body=o.extra_body, max_connections=o.concurrency)

    def describe(self) -> ComponentSpec:
        options = {**self.options.model_dump(), "base_url": self.client.base_url, "api_key_env": self.client.api_key_env}
        return ComponentSpec(name=self.name, options=options, description=f"{self.client.model} at {self.client.base_url}")

    async def check_reachable(self) -> None:
        await self.client.check_reachable()

    async def generate(
        self, chats: Sequence[Chat], sampling: Sampling, seeds: Sequence[int], cache_keys: Sequence[str | None] | None = None
    ) -> list[Generation]:
        check_lengths(chats, seeds, cache_keys)
        rows = list(zip(chats, seeds, strict=True))
        return await gather_limited(rows, lambda row: self._timed(row[0], sampling, row[1]), self.options.concurrency)

    def release(self, key: str) -> None:
        pass

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _timed(self, chat: Chat, sampling: Sampling, seed: int) -> Generation:
        started = time.perf_counter()
        try:
            generation = await self._one(chat, sampling, seed)
        except EndpointError as exc:
            generation = Generation.failed(str(exc))
        generation.latency_s = round(time.perf_counter() - started, 4)
        return generation

    async def _one(self, chat: Chat, sampling: Sampling, seed: int) -> Generation:
        body = await self.client.chat_response([dict(m) for m in chat], **self._sampling(sampling, seed))
        try:
            choice = body["choices"][0]
            message = choice["message"]
            text = message.get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            return Generation.failed(f"{self.client.base_url} returned a response without choices[0].message")
        generation = Generation(text, usage=_usage(body), metadata={"finish_reason": choice.get("finish_reason")})
        if message.get("tool_calls"):
            generation.metadata["tool_calls"] = message["tool_calls"]
        return generation

    def _sampling(self, sampling: Sampling, seed: int) -> dict[str, Any]:
        values: dict[str, Any] = {"temperature": 0.0 if sampling.greedy else sampling.temperature,
                                  "top_p": None if sampling.greedy else sampling.top_p,
                                  "max_tokens": sampling.max_new_tokens,
                                  "seed": seed if self.options.send_seed else None,
                                  "stop": list(sampling.stop) or None}
        return {key: value for key, value in values.items() if value is not None}


class OpenAICompletionsModel(OpenAIChatModel):
    """``{"name": "openai-completions", "options": {..., "template": "userlm"}}``: raw continuations."""

    name = "openai-completions"
    options_model = CompletionsOptions

    async def _one(self, chat: Chat, sampling: Sampling, seed: int) -> Generation:
        prompt = render_chat(self.options.template, chat)  # type: ignore[attr-defined]
        body = await self.client._post("/completions", {"model": self.client.model, "prompt": prompt,
                                                         **self._sampling(sampling, seed)})
        try:
            choice = body["choices"][0]
            text = choice["text"] or ""
        except (KeyError, IndexError, TypeError):
            return Generation.failed(f"{self.client.base_url} returned a response without choices[0].text")
        return Generation(text, usage=_usage(body), metadata={"finish_reason": choice.get("finish_reason")})


def _usage(body: dict[str, Any]) -> Usage | None:
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return None
    return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
