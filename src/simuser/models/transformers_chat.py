"""A local transformers chat model behind the :class:`~simuser.models.chat.ChatModel` interface.

Every chat of a call goes into one left-padded ``generate`` (in chunks of ``batch_size``), run in a worker
thread so endpoint calls keep flowing meanwhile. The loaded model is shared by every component that asks
for the same ``(model, device, dtype)`` (see :mod:`simuser.models.local`).

Chats are rendered with the model's own chat template, or with ``chat_template`` (a Jinja chat template
string, e.g. the UserLM format) when given.

Seeding: one random stream per batch, seeded with ``derive_seed(seed_label, *row seeds)``; a row's sample
therefore depends on its batch-mates. ``seed_label`` keeps each caller's historical derivation, so runs
reproduce as before; ``seed_label=None`` seeds the batch with its first row's seed as is (for callers that
seed a whole batch with one number).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.models.chat import Chat, Generation, Sampling, check_lengths
from simuser.options import parse_options
from simuser.schema import ComponentSpec
from simuser.seeds import derive_seed


class TransformersOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = defaults.EMBEDDED_MODEL
    device: str | None = None
    dtype: str | None = None
    batch_size: int = Field(defaults.BATCH_SIZE, ge=1)
    chat_template: str | None = None
    seed_label: str | None = "chat"


class TransformersChatModel:
    """``{"name": "transformers", "options": {"model": "smollm2"}}``: a local model, batched."""

    def __init__(self, **options: object):
        from simuser.models.local import LocalChatModel

        self.options = parse_options(TransformersOptions, options, "transformers chat model")
        o = self.options
        self.local = LocalChatModel(o.model, device=o.device, dtype=o.dtype, batch_size=o.batch_size)

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="transformers", options=self.options.model_dump(), description=f"{self.options.model} (local)")

    async def generate(
        self, chats: Sequence[Chat], sampling: Sampling, seeds: Sequence[int], cache_keys: Sequence[str | None] | None = None
    ) -> list[Generation]:
        check_lengths(chats, seeds, cache_keys)
        if not chats:
            return []
        started = time.perf_counter()
        try:
            texts = await asyncio.to_thread(self._generate, chats, sampling, seeds)
        except RuntimeError as exc:  # CUDA out of memory and friends: every row of this batch failed
            error = f"generation failed: {' '.join(str(exc).split())[:300]}"
            return [Generation.failed(error, time.perf_counter() - started) for _ in chats]
        latency = round(time.perf_counter() - started, 4)
        return [Generation(text, latency_s=latency, metadata={"batch_size": len(chats)}) for text in texts]

    def release(self, key: str) -> None:
        pass  # no per-conversation state yet

    async def aclose(self) -> None:
        pass  # the model stays in the shared cache for other components

    def render(self, chat: Chat) -> str:
        """The exact prompt text the model continues for ``chat``."""
        _, tokenizer = self.local.model_and_tokenizer
        template = self.options.chat_template
        return tokenizer.apply_chat_template(list(chat), tokenize=False, add_generation_prompt=True, chat_template=template)

    def _generate(self, chats: Sequence[Chat], sampling: Sampling, seeds: Sequence[int]) -> list[str]:
        return self.local.generate_text(
            [self.render(chat) for chat in chats], max_new_tokens=sampling.max_new_tokens or defaults.ASSISTANT_MAX_NEW_TOKENS,
            temperature=defaults.TEMPERATURE if sampling.temperature is None else sampling.temperature,
            top_p=defaults.TOP_P if sampling.top_p is None else sampling.top_p,
            seed=self._batch_seed(seeds), do_sample=not sampling.greedy,
        )

    def _batch_seed(self, seeds: Sequence[int]) -> int:
        label = self.options.seed_label
        return seeds[0] if label is None else derive_seed(label, *seeds)
