"""The assistant under test behind any OpenAI-compatible chat endpoint.

A thin user of :class:`simuser.models.openai_chat.OpenAIChatModel`: each active conversation's request is
one ``/chat/completions`` call; the calls of a step run concurrently, at most ``concurrency`` at a time. A
call that still fails after the retries of :mod:`simuser.models.http` becomes a failed
:class:`AssistantReply`, so that one conversation ends with ``assistant_error`` while the rest of the batch
carries on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from simuser import defaults
from simuser.assistants.base import AssistantRequest, generate_replies
from simuser.models.chat import Sampling
from simuser.models.openai_chat import EndpointOptions, OpenAIChatModel
from simuser.options import parse_options
from simuser.schema import ComponentSpec


class OpenAIAssistantOptions(EndpointOptions):
    temperature: float | None = 0.7
    top_p: float | None = None
    max_tokens: int | None = Field(defaults.ASSISTANT_MAX_NEW_TOKENS, ge=1)
    system_prompt: str | None = None


SAMPLING_FIELDS = {"temperature", "top_p", "max_tokens", "system_prompt"}


class OpenAIChatAssistant:
    """``--assistant openai --assistant-base-url http://localhost:8000/v1 --assistant-model NAME``."""

    options_model = OpenAIAssistantOptions

    def __init__(self, **options: Any):
        self.options = parse_options(OpenAIAssistantOptions, options, "openai assistant")
        o = self.options
        self.sampling = Sampling(max_new_tokens=o.max_tokens, temperature=o.temperature, top_p=o.top_p)
        self.chat_model = OpenAIChatModel(**o.model_dump(exclude=SAMPLING_FIELDS))

    def describe(self) -> ComponentSpec:
        model = self.chat_model.describe()
        return ComponentSpec(name="openai", options={**self.options.model_dump(), **model.options}, description=model.description)

    async def check_reachable(self) -> None:
        """Start-up check for the CLI: a UserError now instead of a run of failed conversations."""
        await self.chat_model.check_reachable()

    async def respond(self, requests: Sequence[AssistantRequest]):
        return await generate_replies(self.chat_model, requests, self.sampling, self.options.system_prompt)

    async def aclose(self) -> None:
        await self.chat_model.aclose()
