"""Local causal language models through transformers: loading, sharing, batched chat generation.

One process often uses the same model twice (the default run uses SmolLM2 as both the prompted user and
the assistant under test); :func:`load_causal_lm` returns the same loaded model for the same
``(model, device, dtype)`` so it sits in memory once.

Generation is batched by simuser's own decoder (:mod:`simuser.models.decoding`: one random stream per row,
per-conversation KV caches) and runs in a worker thread when called from async code, so endpoint calls
keep flowing meanwhile.
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
from simuser.models.decoding import DecodeSettings, decode
from simuser.models.embedded import resolve_model
from simuser.models.kv_cache import DEFAULT_MAX_BYTES, KVCacheStore
from simuser.seeds import derive_seed

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
    """A chat model that answers many conversations per batched decode (:mod:`simuser.models.decoding`).

    Each row samples from its own random stream (``seeds``), so its text does not depend on its
    batch-mates; rows with a ``cache_keys`` entry keep their conversation's KV cache between calls
    (at most ``kv_cache_bytes`` in all; ``release(key)`` frees one at once).
    """

    def __init__(
        self,
        name_or_path: str = defaults.EMBEDDED_MODEL,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = defaults.BATCH_SIZE,
        kv_cache_bytes: int = DEFAULT_MAX_BYTES,
    ):
        self.name_or_path = name_or_path
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self.cache = KVCacheStore(kv_cache_bytes)
        self._lock = threading.Lock()  # one decode at a time per model: torch is not re-entrant here

    @property
    def model_and_tokenizer(self):
        return load_causal_lm(self.name_or_path, self.device, self.dtype)

    def release(self, key: str) -> None:
        """The conversation ``key`` is over: free its KV cache."""
        self.cache.release(key)

    def generate_chat(
        self,
        conversations: Sequence[Chat],
        *,
        max_new_tokens: int = defaults.ASSISTANT_MAX_NEW_TOKENS,
        temperature: float = defaults.TEMPERATURE,
        top_p: float = defaults.TOP_P,
        seed: int = 0,
        do_sample: bool = True,
        seeds: Sequence[int] | None = None,
        cache_keys: Sequence[str | None] | None = None,
    ) -> list[str]:
        """The model's next assistant message for each conversation (chat template of the model)."""
        _, tokenizer = self.model_and_tokenizer
        prompts = [
            tokenizer.apply_chat_template(list(chat), tokenize=False, add_generation_prompt=True)
            for chat in conversations
        ]
        return self.generate_text(
            prompts, max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, seed=seed,
            do_sample=do_sample, seeds=seeds, cache_keys=cache_keys,
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
        seeds: Sequence[int] | None = None,
        cache_keys: Sequence[str | None] | None = None,
    ) -> list[str]:
        """Continue each already-rendered prompt; returns only the new text, special tokens removed.

        ``seeds`` gives each row its own random stream; without it row ``i`` uses ``derive_seed(seed, i)``.
        """
        seeds = list(seeds) if seeds is not None else [derive_seed(seed, i) for i in range(len(prompts))]
        keys = list(cache_keys) if cache_keys is not None else [None] * len(prompts)
        settings = self.settings(max_new_tokens, temperature, top_p, do_sample)
        outputs: list[str] = []
        for start in range(0, len(prompts), self.batch_size):
            end = start + self.batch_size
            outputs += self._generate_chunk(list(prompts[start:end]), seeds[start:end], keys[start:end], settings)
        return outputs

    def settings(self, max_new_tokens: int, temperature: float, top_p: float, do_sample: bool) -> DecodeSettings:
        model, tokenizer = self.model_and_tokenizer
        return DecodeSettings(
            max_new_tokens=max_new_tokens, stop_ids=stop_ids(model, tokenizer), pad_id=tokenizer.pad_token_id,
            temperature=temperature, top_p=top_p, greedy=not do_sample or temperature <= 0,
        )

    def _generate_chunk(self, prompts, seeds, keys, settings) -> list[str]:
        model, tokenizer = self.model_and_tokenizer
        ids = tokenizer(prompts, add_special_tokens=False)["input_ids"]
        with self._lock, generation_attention(model.device):
            generated = decode(model, ids, seeds, settings, keys=keys, store=self.cache)
        return [text.strip() for text in tokenizer.batch_decode(generated, skip_special_tokens=True)]


def stop_ids(model: Any, tokenizer: Any) -> tuple[int, ...]:
    """The ids that end a reply: the generation config's end-of-sequence ids and the tokenizer's."""
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    configured = configured if isinstance(configured, list) else [configured]
    ids = [*configured, tokenizer.eos_token_id]
    return tuple(dict.fromkeys(i for i in ids if i is not None))
