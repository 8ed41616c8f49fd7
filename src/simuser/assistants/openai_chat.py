"""The assistant under test behind any OpenAI-compatible chat endpoint.

A thin user of :class:`simuser.models.openai_chat.OpenAIChatModel`: each active conversation's request is
one ``/chat/completions`` call; the calls of a step run concurrently, at most ``concurrency`` at a time. A
call that still fails after the retries of :mod:`simuser.models.http` becomes a failed
:class:`AssistantReply`, so that one conversation ends with ``assistant_error`` while the rest of the batch
carries on.

With ``tools`` the assistant is an agent: each request runs the bounded tool loop of
:mod:`simuser.assistants.tool_use` (calls and results recorded as messages, the tools' state carried on
the conversation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from simuser import defaults
from simuser.assistants.base import AssistantReply, AssistantRequest, generate_replies, with_system_prompt
from simuser.assistants.tool_use import ToolUse
from simuser.models.chat import Sampling
from simuser.models.concurrency import gather_limited
from simuser.models.openai_chat import EndpointOptions, OpenAIChatModel
from simuser.options import parse_options
from simuser.schema import ComponentSpec


class OpenAIAssistantOptions(EndpointOptions):
    temperature: float | None = 0.7
    top_p: float | None = None
    max_tokens: int | None = Field(defaults.ASSISTANT_MAX_NEW_TOKENS, ge=1)
    system_prompt: str | None = None
    tools: list[str | dict[str, Any]] | str | None = None
    tool_state: dict[str, Any] | str | None = None
    max_tool_rounds: int = Field(defaults.MAX_TOOL_ROUNDS, ge=1)
    stop_on_tool: list[str] | str | None = None


SAMPLING_FIELDS = {"temperature", "top_p", "max_tokens", "system_prompt"}
TOOL_FIELDS = {"tools", "tool_state", "max_tool_rounds", "stop_on_tool"}


class OpenAIChatAssistant:
    """``--assistant openai --assistant-base-url http://localhost:8000/v1 --assistant-model NAME``."""

    independent_requests = True  # one call per request: the engine need not wait for a whole step

    options_model = OpenAIAssistantOptions

    def __init__(self, **options: Any):
        self.options = parse_options(OpenAIAssistantOptions, options, "openai assistant")
        o = self.options
        self.sampling = Sampling(max_new_tokens=o.max_tokens, temperature=o.temperature, top_p=o.top_p)
        endpoint = o.model_dump(exclude=SAMPLING_FIELDS | TOOL_FIELDS)
        self.chat_model = OpenAIChatModel(**endpoint)
        self.tool_use = ToolUse.build(o.tools, o.tool_state, o.max_tool_rounds, o.stop_on_tool)
        if self.tool_use is not None:
            self.tool_use.connect(endpoint, self.sampling)

    def describe(self) -> ComponentSpec:
        model = self.chat_model.describe()
        options = {**self.options.model_dump(exclude=TOOL_FIELDS), **model.options}
        if self.tool_use is not None:
            options.update(self.tool_use.options())
        return ComponentSpec(name="openai", options=options, description=model.description)

    async def check_reachable(self) -> None:
        """Start-up check for the CLI: a UserError now instead of a run of failed conversations."""
        await self.chat_model.check_reachable()

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        if self.tool_use is None:
            return await generate_replies(self.chat_model, requests, self.sampling, self.options.system_prompt)
        return await gather_limited(requests, self._respond_with_tools, self.options.concurrency)

    async def aclose(self) -> None:
        await self.chat_model.aclose()
        if self.tool_use is not None:
            await self.tool_use.aclose()

    async def _respond_with_tools(self, request: AssistantRequest) -> AssistantReply:
        assert self.tool_use is not None
        messages = with_system_prompt(request.openai_messages(), self.options.system_prompt)
        return await self.tool_use.respond(request, messages)
