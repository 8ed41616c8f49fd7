"""A small client for OpenAI-compatible servers: OpenAI, vLLM, llama.cpp, Ollama, LM Studio, TGI.

Why not the ``openai`` SDK: its retry loop is not ours to test, and simuser promises specific behaviour
under faults (see :mod:`simuser.models.http`). This client speaks the three endpoints simuser needs,
``/chat/completions``, ``/completions`` and ``/embeddings``, through one retrying POST.

The API key is read from the environment variable the user *names* (``api_key_env="OPENAI_API_KEY"``),
never passed as a value, so it cannot end up in a config file, ``run.json`` or a shell history.
:meth:`OpenAIChatClient.describe` records the variable's name, not its value.

The connection pool (:func:`~simuser.models.http.pooled_client`: aiohttp, or sharded httpx pools, sized for ``max_connections``
concurrent calls, default ``defaults.CONCURRENCY``) are created on first use inside the running event
loop, and again if a later ``asyncio.run`` brings a new loop, so a client can be built in synchronous code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from simuser import defaults
from simuser.errors import UserError
from simuser.models.http import (
    AiohttpClient,
    EndpointError,
    LoopBoundPool,
    PooledClient,
    RetryPolicy,
    check_reachable,
    post_json,
)
from simuser.redact import remember

OPENAI_BASE_URL = "https://api.openai.com/v1"


def read_api_key(api_key_env: str | None) -> str | None:
    """The key from the named environment variable; None when no variable is named."""
    if not api_key_env:
        return None
    key = os.environ.get(api_key_env, "").strip()
    if not key:
        raise UserError(
            f"environment variable {api_key_env} is not set; export {api_key_env}=<your key> "
            "or name another variable with --api-key-env"
        )
    remember(key)  # masked wherever an error or log line might echo it
    return key


class OpenAIChatClient:
    """Chat and text completions from one OpenAI-compatible server, with retries."""

    def __init__(
        self,
        base_url: str | None = None,
        model: str | None = None,
        api_key_env: str | None = None,
        *,
        timeout: float = defaults.REQUEST_TIMEOUT_S,
        retry: RetryPolicy | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_connections: int | None = None,
    ):
        if base_url is None and api_key_env is None:
            api_key_env = "OPENAI_API_KEY"  # the real OpenAI API always needs one
        if not model:
            raise UserError("an OpenAI-compatible endpoint needs a model name; pass model=... (e.g. --assistant-model)")
        self.base_url = (base_url or OPENAI_BASE_URL).rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.extra_body = dict(extra_body or {})
        self.max_connections = max_connections or defaults.CONCURRENCY
        self._headers = {"Authorization": f"Bearer {key}"} if (key := read_api_key(api_key_env)) else {}
        self._pool = LoopBoundPool(self.timeout, self.max_connections)

    def describe(self) -> dict[str, Any]:
        """Enough to rebuild the client; the key's variable name, never the key."""
        return {"base_url": self.base_url, "model": self.model, "api_key_env": self.api_key_env,
                "timeout": self.timeout, "max_retries": self.retry.max_retries, "extra_body": self.extra_body}

    async def chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        stop: Sequence[str] | None = None,
    ) -> str:
        """The assistant message the server generates for ``messages``."""
        body = await self.chat_response(
            messages, temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed, stop=stop
        )
        return _choice_field(body, "message", self.base_url)

    async def chat_response(self, messages: Sequence[Mapping[str, str]], **sampling: Any) -> dict[str, Any]:
        """The full ``/chat/completions`` response body (for usage and finish_reason)."""
        payload = {"model": self.model, "messages": [dict(m) for m in messages], **_present(sampling)}
        return await self._post("/chat/completions", payload)

    async def complete(
        self,
        prompt: str,
        *,
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        seed: int | None = None,
        stop: Sequence[str] | None = None,
    ) -> str:
        """Raw text continuation from ``/completions`` (for models served without a chat template)."""
        sampling = {"temperature": temperature, "top_p": top_p, "max_tokens": max_tokens, "seed": seed, "stop": stop}
        body = await self._post("/completions", {"model": self.model, "prompt": prompt, **_present(sampling)})
        return _choice_field(body, "text", self.base_url)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text from ``/embeddings``, in input order."""
        body = await self._post("/embeddings", {"model": self.model, "input": list(texts)})
        try:
            rows = sorted(body["data"], key=lambda row: row.get("index", 0))
            return [list(map(float, row["embedding"])) for row in rows]
        except (KeyError, TypeError, ValueError):
            raise EndpointError(f"{self.base_url}/embeddings returned an unexpected body (no data[].embedding)") from None

    async def check_reachable(self) -> None:
        """Raise a :class:`UserError` now if nothing answers at the base URL."""
        await check_reachable(self.base_url)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = await post_json(
            self._http(), self.base_url + path, {**payload, **self.extra_body}, headers=self._headers, policy=self.retry
        )
        if not isinstance(body, dict):
            raise EndpointError(f"{self.base_url}{path} returned {type(body).__name__}, expected a JSON object")
        return body

    def _http(self) -> AiohttpClient | PooledClient:
        return self._pool.get()


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset sampling parameters so the server's defaults apply."""
    return {k: (list(v) if k == "stop" else v) for k, v in values.items() if v is not None}


def _choice_field(body: dict[str, Any], kind: str, base_url: str) -> str:
    """``choices[0].message.content`` (chat) or ``choices[0].text`` (completions); None content is ''."""
    try:
        choice = body["choices"][0]
        value = choice["message"].get("content") if kind == "message" else choice["text"]
    except (KeyError, IndexError, TypeError, AttributeError):
        raise EndpointError(f"{base_url} returned a response without choices[0].{kind}") from None
    return value or ""
