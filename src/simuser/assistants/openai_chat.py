"""The assistant under test behind any OpenAI-compatible chat endpoint.

Each active conversation's request is one ``/chat/completions`` call; the calls of a step run
concurrently, at most ``concurrency`` at a time. A call that still fails after the retries of
:mod:`simuser.models.http` becomes a failed :class:`AssistantReply`, so that one conversation ends with
``assistant_error`` while the rest of the batch carries on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simuser import defaults
from simuser.assistants.base import AssistantReply, AssistantRequest, gather_limited, timed_reply
from simuser.assistants.tool_use import ToolUse
from simuser.models.chat import Sampling
from simuser.models.http import EndpointError, RetryPolicy
from simuser.models.openai_client import OpenAIChatClient
from simuser.schema import ComponentSpec


class OpenAIChatAssistant:
    """``--assistant openai --assistant-base-url http://localhost:8000/v1 --assistant-model NAME``."""

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key_env: str | None = None,
        temperature: float | None = 0.7,
        top_p: float | None = None,
        max_tokens: int | None = defaults.ASSISTANT_MAX_NEW_TOKENS,
        system_prompt: str | None = None,
        concurrency: int = defaults.CONCURRENCY,
        timeout: float = defaults.REQUEST_TIMEOUT_S,
        max_retries: int = defaults.MAX_HTTP_RETRIES,
        send_seed: bool = True,
        backoff_base_s: float = defaults.BACKOFF_BASE_S,
        backoff_max_s: float = defaults.BACKOFF_MAX_S,
        extra_body: dict[str, Any] | None = None,
        tools: list[str | dict[str, Any]] | str | None = None,
        tool_state: dict[str, Any] | str | None = None,
        max_tool_rounds: int = defaults.MAX_TOOL_ROUNDS,
        stop_on_tool: list[str] | str | None = None,
    ):
        self.options = {
            "model": model, "base_url": base_url, "api_key_env": api_key_env, "temperature": temperature,
            "top_p": top_p, "max_tokens": max_tokens, "system_prompt": system_prompt, "concurrency": concurrency,
            "timeout": timeout, "max_retries": max_retries, "send_seed": send_seed, "backoff_base_s": backoff_base_s, "backoff_max_s": backoff_max_s,
            "extra_body": extra_body or {},
        }
        self.tool_use = ToolUse.build(tools, tool_state, max_tool_rounds, stop_on_tool)
        if self.tool_use is not None:
            self.tool_use.connect({k: self.options[k] for k in _ENDPOINT_KEYS}, _sampling(temperature, top_p, max_tokens))
            self.options.update(self.tool_use.options())
        retry = RetryPolicy(max_retries=max_retries, backoff_base_s=backoff_base_s, backoff_max_s=backoff_max_s)
        self.client = OpenAIChatClient(
            base_url, model, api_key_env, timeout=timeout, retry=retry, extra_body=extra_body, max_connections=concurrency
        )
        self.options["base_url"] = self.client.base_url
        self.options["api_key_env"] = self.client.api_key_env

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="openai", options=dict(self.options), description=f"{self.client.model} at {self.client.base_url}")

    async def check_reachable(self) -> None:
        """Start-up check for the CLI: a UserError now instead of a run of failed conversations."""
        await self.client.check_reachable()

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        return await gather_limited(requests, lambda r: timed_reply(self._respond_one(r)), self.options["concurrency"])

    async def aclose(self) -> None:
        await self.client.aclose()
        if self.tool_use is not None:
            await self.tool_use.aclose()

    async def _respond_one(self, request: AssistantRequest) -> AssistantReply:
        if self.tool_use is not None:
            return await self.tool_use.respond(request, self._messages(request))
        o = self.options
        try:
            body = await self.client.chat_response(
                self._messages(request), temperature=o["temperature"], top_p=o["top_p"], max_tokens=o["max_tokens"],
                seed=request.seed if o["send_seed"] else None,
            )
        except EndpointError as exc:
            return AssistantReply.failed(str(exc))
        return _reply_from(body)

    def _messages(self, request: AssistantRequest) -> list[dict[str, Any]]:
        messages = request.openai_messages()
        prompt = self.options["system_prompt"]
        if prompt and not (messages and messages[0]["role"] == "system"):
            messages.insert(0, {"role": "system", "content": prompt})
        return messages


_ENDPOINT_KEYS = ("model", "base_url", "api_key_env", "concurrency", "timeout", "max_retries", "send_seed",
                  "backoff_base_s", "backoff_max_s", "extra_body")


def _sampling(temperature: float | None, top_p: float | None, max_tokens: int | None) -> Sampling:
    """The assistant's sampling options as the chat-model interface takes them (unset: the API's defaults)."""
    return Sampling(max_new_tokens=max_tokens or defaults.ASSISTANT_MAX_NEW_TOKENS,
                    temperature=1.0 if temperature is None else temperature, top_p=1.0 if top_p is None else top_p)


def _reply_from(body: dict[str, Any]) -> AssistantReply:
    try:
        choice = body["choices"][0]
        content = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        return AssistantReply.failed("the endpoint returned a response without choices[0].message")
    metadata: dict[str, Any] = {"finish_reason": choice.get("finish_reason")}
    if isinstance(body.get("usage"), dict):
        metadata["usage"] = body["usage"]
    return AssistantReply(content, metadata)
