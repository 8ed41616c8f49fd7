"""A local chat model as the assistant under test: ``--assistant transformers`` (SmolLM2 by default).

A thin user of :class:`simuser.models.transformers_chat.TransformersChatModel`: all requests of a step go
into one batched, left-padded generation in a worker thread, on a model shared with any other component
that loads the same model, device and dtype.

Reproducibility: the batch's sampling seed is derived from its requests' seeds (``seed_label
"assistant"``), so the same run gives the same replies; a row's sample still depends on its batch-mates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.assistants.base import AssistantRequest, generate_replies
from simuser.models.chat import Sampling, build_chat_model
from simuser.options import parse_options
from simuser.schema import ComponentSpec


class TransformersAssistantOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = defaults.EMBEDDED_MODEL
    device: str | None = None
    dtype: str | None = None
    system_prompt: str | None = None
    max_new_tokens: int = Field(defaults.ASSISTANT_MAX_NEW_TOKENS, ge=1)
    temperature: float = 0.7
    top_p: float = 0.9
    do_sample: bool = True
    batch_size: int = Field(defaults.BATCH_SIZE, ge=1)


class TransformersAssistant:
    options_model = TransformersAssistantOptions

    def __init__(self, **options: Any):
        self.options = parse_options(TransformersAssistantOptions, options, "transformers assistant")
        o = self.options
        self.sampling = Sampling(o.max_new_tokens, o.temperature, o.top_p, o.do_sample)
        local = {"model": o.model, "device": o.device, "dtype": o.dtype, "batch_size": o.batch_size, "seed_label": "assistant"}
        self.chat_model = build_chat_model({"name": "transformers", "options": local})

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="transformers", options=self.options.model_dump(), description=f"{self.options.model} (local)")

    async def respond(self, requests: Sequence[AssistantRequest]):
        return await generate_replies(self.chat_model, requests, self.sampling, self.options.system_prompt)

    def release(self, key: str) -> None:
        """The conversation ``key`` is over: free its KV cache."""
        self.chat_model.release(key)

    async def aclose(self) -> None:
        pass  # the model stays in the shared cache of simuser.models.local for other components
