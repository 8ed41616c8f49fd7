"""The answer generator: a local chat model (SmolLM2-135M-Instruct by default) or an endpoint.

Local models answer the whole batch in one padded ``generate`` call, in a worker thread; endpoints
answer concurrently (bounded). A failed endpoint call becomes a :class:`Failed` for that conversation
only, which the assistant turns into an ``assistant_error`` reply while the run goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from simuser import defaults

Chat = Sequence[dict[str, str]]


@dataclass(frozen=True)
class Failed:
    error: str


@runtime_checkable
class Generator(Protocol):
    """Chats (system prompt with context + history) in, one reply text (or :class:`Failed`) per chat out."""

    def describe(self) -> dict[str, Any]: ...

    async def generate(self, chats: Sequence[Chat], seed: int = 0) -> list[str | Failed]: ...

    async def aclose(self) -> None: ...


class LocalGenerator:
    """A transformers chat model through :class:`simuser.models.local.LocalChatModel`; greedy at temperature 0."""

    def __init__(self, model: str = defaults.EMBEDDED_MODEL, *, device: str | None = None, dtype: str | None = None,
                 max_new_tokens: int = defaults.ASSISTANT_MAX_NEW_TOKENS, temperature: float = 0.0,
                 batch_size: int = defaults.BATCH_SIZE):
        from simuser.models.local import LocalChatModel

        self.model, self.device, self.dtype = model, device, dtype
        self.max_new_tokens, self.temperature = max_new_tokens, temperature
        self._model = LocalChatModel(model, device=device, dtype=dtype, batch_size=batch_size)

    def describe(self) -> dict[str, Any]:
        options = {"model": self.model, "device": self.device, "dtype": self.dtype,
                   "max_new_tokens": self.max_new_tokens, "temperature": self.temperature}
        return {k: v for k, v in options.items() if v is not None}

    async def generate(self, chats: Sequence[Chat], seed: int = 0) -> list[str | Failed]:
        return list(await asyncio.to_thread(
            self._model.generate_chat, chats, max_new_tokens=self.max_new_tokens,
            temperature=self.temperature or 1.0, top_p=defaults.TOP_P, seed=seed, do_sample=self.temperature > 0,
        ))

    async def aclose(self) -> None: ...


class EndpointGenerator:
    """Any OpenAI-compatible ``/chat/completions`` endpoint (retries from :mod:`simuser.models.http`)."""

    def __init__(self, base_url: str, model: str, *, api_key_env: str | None = None,
                 max_new_tokens: int = defaults.ASSISTANT_MAX_NEW_TOKENS, temperature: float = 0.0,
                 concurrency: int = defaults.CONCURRENCY):
        from simuser.models.openai_client import OpenAIChatClient

        self.client = OpenAIChatClient(base_url, model, api_key_env, max_connections=concurrency)
        self.max_new_tokens, self.temperature, self.concurrency = max_new_tokens, temperature, concurrency

    def describe(self) -> dict[str, Any]:
        return {"base_url": self.client.base_url, "model": self.client.model, "api_key_env": self.client.api_key_env,
                "max_new_tokens": self.max_new_tokens, "temperature": self.temperature}

    async def generate(self, chats: Sequence[Chat], seed: int = 0) -> list[str | Failed]:
        from simuser.models.concurrency import gather_limited

        return await gather_limited(list(chats), lambda chat: self._one(chat, seed), self.concurrency)

    async def _one(self, chat: Chat, seed: int) -> str | Failed:
        from simuser.models.http import EndpointError

        try:
            return await self.client.chat(chat, temperature=self.temperature, max_tokens=self.max_new_tokens, seed=seed)
        except EndpointError as exc:
            return Failed(str(exc))

    async def aclose(self) -> None:
        await self.client.aclose()


_LOCAL_ONLY = ("device", "dtype")
_ENDPOINT_ONLY = ("api_key_env", "concurrency")


def make_generator(model: str = defaults.EMBEDDED_MODEL, *, base_url: str | None = None, **options: Any) -> Generator:
    """An endpoint generator when ``base_url`` is given, else a local model; options the other kind takes are dropped."""
    if base_url:
        return EndpointGenerator(base_url, model, **_without(options, _LOCAL_ONLY))
    return LocalGenerator(model, **_without(options, _ENDPOINT_ONLY))


def _without(options: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k not in names}
