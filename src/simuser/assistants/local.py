"""A local chat model as the assistant under test: ``--assistant transformers`` (SmolLM2 by default).

All requests of a step go into one batched ``generate_chat`` call (left-padded, in chunks of
``batch_size``), run in a worker thread so endpoint-backed simulators keep working meanwhile. The model
is loaded on the first call and shared with any other component that loads the same model, device and
dtype (see :mod:`simuser.models.local`).

Reproducibility: the batch's sampling seed is derived from its requests' seeds, so the same run gives
the same replies; a row's sample still depends on its batch-mates (one random stream per batch).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from simuser import defaults
from simuser.assistants.base import AssistantReply, AssistantRequest
from simuser.schema import ComponentSpec


class TransformersAssistant:
    def __init__(
        self,
        model: str = defaults.EMBEDDED_MODEL,
        device: str | None = None,
        dtype: str | None = None,
        system_prompt: str | None = None,
        max_new_tokens: int = defaults.ASSISTANT_MAX_NEW_TOKENS,
        temperature: float = 0.7,
        top_p: float = 0.9,
        do_sample: bool = True,
        batch_size: int = defaults.BATCH_SIZE,
    ):
        from simuser.models.local import LocalChatModel

        self.options = {
            "model": model, "device": device, "dtype": dtype, "system_prompt": system_prompt,
            "max_new_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p,
            "do_sample": do_sample, "batch_size": batch_size,
        }
        self.chat_model = LocalChatModel(model, device=device, dtype=dtype, batch_size=batch_size)

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="transformers", options=dict(self.options), description=f"{self.options['model']} (local)")

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        if not requests:
            return []
        start = time.perf_counter()
        try:
            texts = await asyncio.to_thread(self._generate, list(requests))
        except RuntimeError as exc:  # CUDA out of memory and friends: every row of this batch failed
            return [AssistantReply.failed(f"generation failed: {' '.join(str(exc).split())[:300]}") for _ in requests]
        latency = round(time.perf_counter() - start, 4)
        return [AssistantReply(text, {"latency_s": latency, "batch_size": len(requests)}) for text in texts]

    async def aclose(self) -> None:
        pass  # the model stays in the shared cache of simuser.models.local for other components

    def _generate(self, requests: list[AssistantRequest]) -> list[str]:
        from simuser.seeds import derive_seed

        o = self.options
        return self.chat_model.generate_chat(
            [self._chat(r) for r in requests], max_new_tokens=o["max_new_tokens"], temperature=o["temperature"],
            top_p=o["top_p"], seed=derive_seed("assistant", *(r.seed for r in requests)),
            do_sample=o["do_sample"] and o["temperature"] > 0,
        )

    def _chat(self, request: AssistantRequest) -> list[dict[str, str]]:
        messages = request.openai_messages()
        prompt = self.options["system_prompt"]
        if prompt and not (messages and messages[0]["role"] == "system"):
            messages.insert(0, {"role": "system", "content": prompt})
        return messages
