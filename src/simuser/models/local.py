"""Local causal language models through transformers: loading, sharing, batched chat generation.

One process often uses the same model twice (the default run uses SmolLM2 as both the prompted user and
the assistant under test); :func:`load_causal_lm` returns the same loaded model for the same
``(model, device, dtype)`` so it sits in memory once.

Generation is batched with left padding (every row's prompt ends at the same position, so new tokens line
up) and runs in a worker thread when called from async code, so endpoint calls keep flowing meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from simuser import defaults
from simuser.errors import UserError, require
from simuser.models.attention import generation_attention
from simuser.models.embedded import resolve_model

Chat = Sequence[dict[str, str]]


def pick_device(device: str | None) -> str:
    if device and device != "auto":
        return device
    torch = require("torch", "local")
    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


def pick_dtype(dtype: str | None, device: str):
    torch = require("torch", "local")
    if dtype in (None, "auto"):
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    try:
        return getattr(torch, dtype)
    except AttributeError:
        raise UserError(f"unknown dtype '{dtype}'; use float32, bfloat16 or float16") from None


@lru_cache(maxsize=4)
def _load(resolved: str, device: str, dtype_name: str) -> tuple[Any, Any]:
    require("transformers", "local")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(resolved)
        model = AutoModelForCausalLM.from_pretrained(resolved, dtype=pick_dtype(dtype_name, device))
    except OSError as exc:
        raise UserError(
            f"cannot load model '{resolved}': {str(exc).splitlines()[0]} "
            "(pass a local model directory, or a hub id on a machine with internet)"
        ) from None
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model.to(device).eval(), tokenizer  # type: ignore[arg-type]  # transformers' stubs


def load_causal_lm(name_or_path: str = defaults.EMBEDDED_MODEL, device: str | None = None, dtype: str | None = None):
    """``(model, tokenizer)`` for a hub id, a local directory, or ``smollm2`` (the embedded model)."""
    resolved = resolve_model(name_or_path)
    if not Path(resolved).exists() and "/" not in resolved:
        raise UserError(f"model '{name_or_path}' is neither a local directory nor a hub id like 'org/name'")
    device = pick_device(device)
    return _load(resolved, device, dtype or "auto")


class LocalChatModel:
    """A chat model that answers many conversations in one padded ``generate`` call."""

    def __init__(
        self,
        name_or_path: str = defaults.EMBEDDED_MODEL,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = defaults.BATCH_SIZE,
    ):
        self.name_or_path = name_or_path
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self._lock = threading.Lock()  # one generate at a time per model: torch is not re-entrant here

    @property
    def model_and_tokenizer(self):
        return load_causal_lm(self.name_or_path, self.device, self.dtype)

    def generate_chat(
        self,
        conversations: Sequence[Chat],
        *,
        max_new_tokens: int = defaults.ASSISTANT_MAX_NEW_TOKENS,
        temperature: float = defaults.TEMPERATURE,
        top_p: float = defaults.TOP_P,
        seed: int = 0,
        do_sample: bool = True,
    ) -> list[str]:
        """The model's next assistant message for each conversation (chat template of the model)."""
        _, tokenizer = self.model_and_tokenizer
        prompts = [
            tokenizer.apply_chat_template(list(chat), tokenize=False, add_generation_prompt=True)
            for chat in conversations
        ]
        return self.generate_text(
            prompts, max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, seed=seed,
            do_sample=do_sample,
        )

    def generate_text(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int,
        temperature: float = defaults.TEMPERATURE,
        top_p: float = defaults.TOP_P,
        seed: int = 0,
        do_sample: bool = True,
    ) -> list[str]:
        """Continue each already-rendered prompt; returns only the new text, special tokens removed."""
        outputs: list[str] = []
        for start in range(0, len(prompts), self.batch_size):
            chunk = list(prompts[start : start + self.batch_size])
            outputs += self._generate_chunk(chunk, max_new_tokens, temperature, top_p, seed + start, do_sample)
        return outputs

    def _generate_chunk(self, prompts, max_new_tokens, temperature, top_p, seed, do_sample) -> list[str]:
        import torch

        model, tokenizer = self.model_and_tokenizer
        batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if do_sample else {
            "do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        with self._lock, torch.inference_mode(), generation_attention(model.device):
            torch.manual_seed(seed)
            generated = model.generate(
                **batch, max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id, **sampling
            )
        new_tokens = generated[:, batch["input_ids"].shape[1] :]
        return [text.strip() for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]
