"""A local transformers chat model behind the :class:`~simuser.models.chat.ChatModel` interface.

Every chat of a call goes into one batched decode (in chunks of ``batch_size``; :mod:`simuser.models.decoding`),
run in a worker thread so endpoint calls keep flowing meanwhile. The loaded model is shared by every component that asks
for the same ``(model, device, dtype)`` (see :mod:`simuser.models.local`).

Chats are rendered with the model's own chat template, or with ``chat_template`` (a Jinja chat template
string, e.g. the UserLM format) when given.

Seeding: one random stream per row, seeded with ``derive_seed(seed_label, row seed)`` (``seed_label=None``:
the row seed as is), so a row's text depends only on its chat and seed (not on its batch-mates, the batch
size, or where a run was resumed).

Caching: a chat with a cache key keeps that conversation's KV cache between calls, so its next call
prefills only the tokens added since (at most ``kv_cache_bytes`` for all conversations together; rows that
do not fit re-prefill); :meth:`release` frees a finished conversation's cache at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.models.chat import Chat, Generation, Sampling, check_lengths
from simuser.models.kv_cache import DEFAULT_MAX_BYTES
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
    kv_cache_bytes: int = Field(DEFAULT_MAX_BYTES, ge=0)


class TransformersChatModel:
    """``{"name": "transformers", "options": {"model": "smollm2"}}``: a local model, batched."""

    def __init__(self, **options: object):
        from simuser.models.local import LocalChatModel

        self.options = parse_options(TransformersOptions, options, "transformers chat model")
        o = self.options
        self.local = LocalChatModel(o.model, device=o.device, dtype=o.dtype, batch_size=o.batch_size,
                                    kv_cache_bytes=o.kv_cache_bytes)

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
            texts = await asyncio.to_thread(self._generate, chats, sampling, seeds, cache_keys)
        except RuntimeError as exc:  # CUDA out of memory and friends: every row of this batch failed
            error = f"generation failed: {' '.join(str(exc).split())[:300]}"
            return [Generation.failed(error, time.perf_counter() - started) for _ in chats]
        latency = round(time.perf_counter() - started, 4)
        return [Generation(text, latency_s=latency, metadata={"batch_size": len(chats)}) for text in texts]

    def release(self, key: str) -> None:
        self.local.release(key)

    async def aclose(self) -> None:
        pass  # the model stays in the shared cache for other components

    def render(self, chat: Chat) -> str:
        """The exact prompt text the model continues for ``chat``."""
        _, tokenizer = self.local.model_and_tokenizer
        template = self.options.chat_template
        return tokenizer.apply_chat_template(list(chat), tokenize=False, add_generation_prompt=True, chat_template=template)

    def _generate(self, chats: Sequence[Chat], sampling: Sampling, seeds: Sequence[int],
                  cache_keys: Sequence[str | None] | None) -> list[str]:
        return self.local.generate_text(
            [self.render(chat) for chat in chats], max_new_tokens=sampling.max_new_tokens or defaults.ASSISTANT_MAX_NEW_TOKENS,
            temperature=defaults.TEMPERATURE if sampling.temperature is None else sampling.temperature,
            top_p=defaults.TOP_P if sampling.top_p is None else sampling.top_p, do_sample=not sampling.greedy,
            seeds=[self._row_seed(seed) for seed in seeds], cache_keys=cache_keys,
        )

    def _row_seed(self, seed: int) -> int:
        label = self.options.seed_label
        return seed if label is None else derive_seed(label, seed)
