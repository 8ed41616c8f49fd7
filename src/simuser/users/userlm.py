"""The UserLM simulator: a UserLM-format model (e.g. microsoft/UserLM-8b) run through transformers.

``model=default`` (the default) is the user model shipped with simuser: its LoRA adapter on the embedded
SmolLM2-135M-Instruct, offline.

Per engine step, every conversation that needs a user turn goes into one batched decode (split into
``batch_size`` rows at most) by simuser's own decoder (:mod:`simuser.models.decoding`), which keeps each
conversation's KV cache between turns (keyed by ``ConversationState.key``, freed by :meth:`release`). The prompt is the intent as system message, the history with
its normal roles, and an open user header (:mod:`simuser.users.userlm_template`); generation stops at
``<|eot_id|>``. The paper's guardrails run on top (:mod:`simuser.users.guardrails`): two at the logit
level while sampling, the rest by resampling only the rejected rows, again batched.

Hazards:

* ``generate`` blocks; it runs in a worker thread so the event loop keeps serving assistants. A lock
  keeps two engine tasks from driving the same model at once.
* Reproducibility: each row samples from its own random stream, seeded from its state's seed and the
  guardrail attempt number, so a turn's text does not depend on its batch-mates, the batch size or where
  a run was resumed.
* No BOS token: UserLM prompts are tokenized with ``add_special_tokens=False``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from simuser import defaults
from simuser.models.attention import generation_attention
from simuser.models.kv_cache import DEFAULT_MAX_BYTES, KVCacheStore
from simuser.options import parse_options
from simuser.schema import ComponentSpec
from simuser.seeds import derive_seed
from simuser.users.base import ConversationState, UserTurn
from simuser.users.guardrails import Draft, generate_with_guardrails
from simuser.users.userlm_options import ServedUserLMOptions
from simuser.users.userlm_template import parse_user_turn, render_prompt, system_message

if TYPE_CHECKING:
    from simuser.users.userlm_loading import LoadedUserLM

class UserLMOptions(ServedUserLMOptions):
    """The simulator's options, as recorded in the run (``--simulator-option key=value``)."""

    model: str = defaults.DEFAULT_USER_MODEL  # the shipped user model; microsoft/UserLM-8b on a GPU
    device: str = "auto"
    dtype: str = "auto"
    adapter: str | None = None
    do_sample: bool = True
    batch_size: int = Field(defaults.BATCH_SIZE, ge=1)
    # added to the <|endconversation|> logit: > 0 ends sooner, < 0 later (fit it: simuser.train.end_calibration)
    end_bias: float = 0.0
    kv_cache_bytes: int = Field(DEFAULT_MAX_BYTES, ge=0)  # per-conversation KV caches, all together; 0: off


class UserLMSimulator:
    """User turns from a UserLM-format causal LM, with the paper's guardrails."""

    options_model = UserLMOptions

    def __init__(self, **options: Any):
        self.options = parse_options(UserLMOptions, options, "userlm")
        self.guardrails = self.options.guardrail_config()
        self._loaded: LoadedUserLM | None = None
        self._lock = threading.Lock()
        self.cache = KVCacheStore(self.options.kv_cache_bytes)

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, **options: Any) -> UserLMSimulator:
        """Wrap an already-loaded transformers model and tokenizer (training, notebooks, tests)."""
        from simuser.users.userlm_loading import prepare

        options.setdefault("model", getattr(model, "name_or_path", "") or "<in-memory>")
        simulator = cls(**options)
        simulator._loaded = prepare(model, tokenizer, simulator.guardrails.first_token_ban)
        return simulator

    @property
    def model(self) -> Any:
        return self._ready().model

    @property
    def tokenizer(self) -> Any:
        return self._ready().tokenizer

    def load(self) -> UserLMSimulator:
        """Load the model now (otherwise the first :meth:`next_turns` does)."""
        self._ready()
        return self

    def _ready(self) -> LoadedUserLM:
        with self._lock:
            if self._loaded is None:
                from simuser.users.userlm_loading import load_userlm

                o = self.options
                self._loaded = load_userlm(o.model, device=o.device, dtype=o.dtype, adapter=o.adapter,
                                           banned_words=self.guardrails.first_token_ban)
            return self._loaded

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="userlm", options=self.options.model_dump(),
                             description="UserLM-format model through transformers, with guardrails")

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        if not states:
            return []
        await asyncio.to_thread(self._ready)
        return await generate_with_guardrails(states, self._draft, self.guardrails)

    def release(self, key: str) -> None:
        """The conversation ``key`` is over: free its KV cache."""
        self.cache.release(key)

    async def aclose(self) -> None:
        self.cache.clear()
        loaded, self._loaded = self._loaded, None
        if loaded is not None and str(getattr(loaded.model, "device", "cpu")).startswith("cuda"):
            import torch

            del loaded
            torch.cuda.empty_cache()

    def prompt(self, state: ConversationState) -> str:
        """The exact prompt text the model sees for ``state``'s next user turn."""
        history = state.openai_messages()
        loaded = self._ready()
        if loaded.use_chat_template:
            messages = [{"role": "system", "content": system_message(state)}, *history]
            return loaded.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return render_prompt(system_message(state), history)

    async def _draft(self, states: list[ConversationState], attempt: int) -> list[Draft]:
        drafts: list[Draft] = []
        size = self.options.batch_size
        for start in range(0, len(states), size):
            chunk = states[start:start + size]
            drafts += await asyncio.to_thread(self.draft_batch, chunk, attempt)
        return drafts

    def draft_batch(self, states: Sequence[ConversationState], attempt: int = 0) -> list[Draft]:
        """One batched decode for ``states``: raw drafts, before the text-level guardrails."""
        prompts = [self.prompt(s) for s in states]
        end_allowed = [self.guardrails.end_allowed(s) for s in states]
        seeds = [derive_seed("userlm", attempt, s.seed) for s in states]
        rows = self.generate_ids(prompts, end_allowed, seeds, keys=[getattr(s, "key", None) for s in states])
        return [self._decode(row) for row in rows]

    def encode(self, prompts: Sequence[str]) -> Any:
        """Left-padded token ids for ``prompts``, on the model's device, with no BOS token."""
        loaded = self._ready()
        batch = loaded.tokenizer(list(prompts), return_tensors="pt", padding=True, add_special_tokens=False)
        return batch.to(loaded.model.device)

    def token_ids(self, prompts: Sequence[str]) -> list[list[int]]:
        """Unpadded token ids for ``prompts``, with no BOS token (UserLM prompts carry none)."""
        return self._ready().tokenizer(list(prompts), add_special_tokens=False)["input_ids"]

    def generate_ids(self, prompts: Sequence[str], end_allowed: Sequence[bool], seed: Sequence[int] | int,
                     keys: Sequence[str | None] | None = None) -> list[list[int]]:
        """Generated token ids per prompt (up to its stop token), logit guardrails applied.

        ``seed``: one per row (each row samples from its own stream); an int gives row ``i`` the seed
        ``derive_seed(seed, i)``. ``keys``: conversation ids whose KV caches to use and keep.
        """
        from simuser.models.decoding import DecodeSettings, decode

        loaded, ids = self._ready(), self.token_ids(prompts)
        seeds = [derive_seed(seed, i) for i in range(len(prompts))] if isinstance(seed, int) else list(seed)
        o = self.options
        settings = DecodeSettings(
            max_new_tokens=o.max_new_tokens, stop_ids=tuple(loaded.stop_ids), pad_id=loaded.pad_id,
            temperature=o.temperature, top_p=o.top_p, greedy=not (o.do_sample and o.temperature > 0),
        )
        processors = self._processors(loaded, 0, list(end_allowed))
        with self._lock, generation_attention(loaded.model.device):
            return decode(loaded.model, ids, seeds, settings, keys=keys, store=self.cache, processors=processors)

    def _processors(self, loaded: LoadedUserLM, prompt_length: int, end_allowed: list[bool]) -> list[Any]:
        from simuser.users.userlm_logits import EndConversationBan, EndConversationBias, FirstTokenBan

        processors: list[Any] = []
        if loaded.end_id is not None and self.options.end_bias:
            processors.append(EndConversationBias(loaded.end_id, self.options.end_bias))
        if loaded.banned_ids:
            processors.append(FirstTokenBan(loaded.banned_ids, loaded.whitespace_ids, prompt_length))
        if loaded.end_id is not None and not all(end_allowed):
            processors.append(EndConversationBan(loaded.end_id, [not ok for ok in end_allowed]))
        return processors

    def _decode(self, ids: list[int]) -> Draft:
        """Cut at the first stop token (keeping the end marker), then parse the UserLM way."""
        loaded, kept, stopped = self._ready(), [], False
        for token_id in ids:
            if token_id == loaded.end_id:
                kept.append(token_id)
            if token_id in loaded.stop_ids:
                stopped = True
                break
            kept.append(token_id)
        raw = loaded.tokenizer.decode(kept, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        text, ended = parse_user_turn(raw)
        return Draft(text, ended, {} if stopped else {"truncated": True})
