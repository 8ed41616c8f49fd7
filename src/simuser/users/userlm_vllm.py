"""UserLM-format models on vLLM's offline engine (GPU machines): ``--simulator userlm-vllm``.

One engine step's user turns are one ``LLM.generate`` call: vLLM schedules every row with continuous
batching and paged attention, which is what makes an 8B user model cheap at thousands of
conversations. Prompts go in as token ids (``TokensPrompt``), tokenized without special tokens, because
UserLM prompts carry no BOS; each row gets its own ``SamplingParams`` (seed, and the end-marker ban).

Guardrails, as in :mod:`simuser.users.userlm_completions`: ``<|endconversation|>`` is removed with
``logit_bias`` for rows that may not end yet; a turn that opens with a banned word is redrawn (batched,
those rows only), because vLLM's per-request controls (``logit_bias``, ``bad_words``,
``allowed_token_ids``) act at every position, not at the first one; length and repeats are the shared
checks. ``skip_special_tokens=False`` keeps the end marker visible in the output text.

``vllm`` is imported when the model loads (``pip install 'simuser[vllm]'``); ``engine_options`` pass
straight to ``vllm.LLM`` for anything not named here (``max_num_seqs``, ``kv_cache_dtype``, ...).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from simuser.errors import UserError, require
from simuser.options import parse_options
from simuser.schema import ComponentSpec
from simuser.seeds import derive_seed
from simuser.tokens import END_CONVERSATION, END_OF_TURN
from simuser.users.banned_openings import redraft_banned_openings
from simuser.users.base import ConversationState, UserTurn
from simuser.users.guardrails import BAN_BIAS, Draft, generate_with_guardrails
from simuser.users.userlm_options import ServedUserLMOptions
from simuser.users.userlm_template import parse_user_turn, render_prompt, system_message


class VLLMOptions(ServedUserLMOptions):
    model: str = "microsoft/UserLM-8b"
    tokenizer: str | None = None
    dtype: str = "auto"
    quantization: str | None = None
    tensor_parallel_size: int = Field(1, ge=1)
    gpu_memory_utilization: float = Field(0.9, gt=0, le=1)
    max_model_len: int | None = None
    enable_prefix_caching: bool = True
    engine_options: dict[str, Any] = Field(default_factory=dict)


class UserLMVLLMSimulator:
    """User turns from a UserLM-format model on vLLM's offline ``LLM`` engine, with the guardrails."""

    options_model = VLLMOptions

    def __init__(self, **options: Any):
        self.options: VLLMOptions = parse_options(VLLMOptions, options, "userlm-vllm")
        self.guardrails = self.options.guardrail_config()
        self._llm: Any = None
        self._lock = threading.Lock()
        self.eot_id = -1
        self.end_id: int | None = None

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="userlm-vllm", options=self.options.model_dump(),
                             description="UserLM-format model on vLLM's offline engine")

    def load(self) -> UserLMVLLMSimulator:
        """Start the engine now (otherwise the first :meth:`next_turns` does)."""
        with self._lock:
            if self._llm is None:
                self._llm = self._start_engine()
                vocab = self._llm.get_tokenizer().get_vocab()
                if END_OF_TURN not in vocab:
                    raise UserError(f"simulator model '{self.options.model}' is not in UserLM format (its tokenizer "
                                    f"lacks {END_OF_TURN}); use a UserLM-format model")
                self.eot_id, self.end_id = vocab[END_OF_TURN], vocab.get(END_CONVERSATION)
        return self

    def _start_engine(self) -> Any:
        vllm = require("vllm", "vllm")
        o = self.options
        settings = {"model": o.model, "tokenizer": o.tokenizer, "dtype": o.dtype, "quantization": o.quantization,
                    "tensor_parallel_size": o.tensor_parallel_size, "gpu_memory_utilization": o.gpu_memory_utilization,
                    "max_model_len": o.max_model_len, "enable_prefix_caching": o.enable_prefix_caching}
        return vllm.LLM(**{k: v for k, v in settings.items() if v is not None}, **o.engine_options)

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        if not states:
            return []
        if self._llm is None:
            await asyncio.to_thread(self.load)
        return await generate_with_guardrails(states, self._draft, self.guardrails)

    async def aclose(self) -> None:
        self._llm = None  # vLLM frees the GPU when the engine is garbage-collected

    async def _draft(self, states: list[ConversationState], attempt: int) -> list[Draft]:
        tries = self.guardrails.max_retries if self.guardrails.first_token_ban else 0
        return await redraft_banned_openings(states, attempt, self._batch, self.guardrails.first_token_ban, tries)

    async def _batch(self, states: list[ConversationState], attempt: int, redraw: int) -> list[Draft]:
        return await asyncio.to_thread(self.generate, states, attempt, redraw)

    def generate(self, states: Sequence[ConversationState], attempt: int = 0, redraw: int = 0) -> list[Draft]:
        """One ``LLM.generate`` call for ``states``: raw drafts, before the text-level guardrails."""
        tokenizer = self._llm.get_tokenizer()
        prompts = [{"prompt_token_ids": tokenizer.encode(render_prompt(system_message(s), s.openai_messages()),
                                                         add_special_tokens=False)} for s in states]
        params = [self.sampling_params(s, derive_seed(s.seed, "vllm", attempt, redraw)) for s in states]
        with self._lock:
            outputs = self._llm.generate(prompts, params, use_tqdm=False)
        return [self._draft_from(output.outputs[0], state) for output, state in zip(outputs, states, strict=True)]

    def sampling_params(self, state: ConversationState, seed: int) -> Any:
        from vllm import SamplingParams

        o = self.options
        ban_end = self.end_id is not None and not self.guardrails.end_allowed(state)
        return SamplingParams(
            temperature=o.temperature, top_p=o.top_p, max_tokens=o.max_new_tokens, seed=seed,
            stop_token_ids=[self.eot_id], skip_special_tokens=False,
            logit_bias={self.end_id: BAN_BIAS} if ban_end else None,
        )

    def _draft_from(self, completion: Any, state: ConversationState) -> Draft:
        text, ended = parse_user_turn(completion.text)
        metadata: dict[str, Any] = {"truncated": True} if completion.finish_reason == "length" else {}
        if not self.guardrails.end_allowed(state):
            metadata["end_ban"] = "logit_bias" if self.end_id is not None else "regenerate"
        return Draft(text, ended, metadata)
