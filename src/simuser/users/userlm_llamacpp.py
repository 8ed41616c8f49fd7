"""UserLM-format GGUF models in process, through llama.cpp: ``--simulator userlm-llamacpp -S model=FILE.gguf``.

For laptops: UserLM-8b quantised to 4 or 5 bits runs on a CPU (or Apple GPU with ``n_gpu_layers=-1``)
with no server to start. llama-cpp-python decodes one sequence at a time, so the conversations of a step
are generated one after another in a worker thread (the event loop keeps serving assistants meanwhile);
consecutive prompts of one conversation share their KV-cache prefix. For many conversations at once,
serve the GGUF with llama.cpp's server (``--parallel N``: continuous batching) and use the
``userlm-completions`` backend instead.

In process we own the sampling loop, so the guardrails are exactly the transformers backend's:

* the banned first words are masked at the logit level while the turn holds only whitespace (the same
  token sets, from :func:`~simuser.users.guardrails.banned_first_token_ids`);
* ``<|endconversation|>`` is masked until ``min_turns_before_end`` user turns have happened;
* length and repeats are the shared text checks, with regeneration.

Generation stops at ``<|eot_id|>``, the GGUF's end-of-generation token, or the end marker (kept, so the
parser sees it). Prompts are tokenized with special tokens parsed and *no* BOS (UserLM prompts carry
none). ``llama_cpp`` is imported when the model loads (``pip install 'simuser[llamacpp]'``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field

from simuser.errors import UserError, require
from simuser.options import parse_options
from simuser.schema import ComponentSpec
from simuser.seeds import derive_seed
from simuser.tokens import END_CONVERSATION, END_OF_TURN
from simuser.users.base import ConversationState, UserTurn
from simuser.users.guardrails import (
    Draft,
    banned_first_token_ids,
    generate_with_guardrails,
    whitespace_token_ids,
)
from simuser.users.userlm_options import ServedUserLMOptions
from simuser.users.userlm_template import parse_user_turn, render_prompt, system_message


class LlamaCppOptions(ServedUserLMOptions):
    model: str
    n_ctx: int = Field(4096, ge=64)
    n_threads: int | None = Field(None, ge=1)
    n_gpu_layers: int = 0
    n_batch: int = Field(512, ge=1)
    top_k: int = Field(0, ge=0)  # 0: off (UserLM's model card samples with temperature and top_p only)
    verbose: bool = False


@dataclass
class _Vocab:
    """Token ids the sampling loop needs, resolved once per model."""

    eot_id: int
    end_id: int | None
    stop_ids: set[int]
    banned_ids: list[int] = field(default_factory=list)
    whitespace_ids: set[int] = field(default_factory=set)


class UserLMLlamaCppSimulator:
    """User turns from a UserLM-format GGUF through llama-cpp-python, with the paper's guardrails."""

    options_model = LlamaCppOptions

    def __init__(self, **options: Any):
        self.options: LlamaCppOptions = parse_options(LlamaCppOptions, options, "userlm-llamacpp")
        self.guardrails = self.options.guardrail_config()
        self._llm: Any = None
        self.vocab: _Vocab | None = None
        self._lock = threading.Lock()

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="userlm-llamacpp", options=self.options.model_dump(),
                             description="UserLM-format GGUF through llama.cpp, in process")

    def load(self) -> UserLMLlamaCppSimulator:
        """Load the GGUF now (otherwise the first :meth:`next_turns` does)."""
        with self._lock:
            if self._llm is None:
                llm = self._open()
                self.vocab = self._resolve_vocab(llm)
                self._llm = llm
        return self

    def _open(self) -> Any:
        llama_cpp = require("llama_cpp", "llamacpp")
        o = self.options
        if not Path(o.model).is_file():
            raise UserError(f"GGUF file '{o.model}' does not exist; pass the path of a .gguf file with -S model=...")
        settings = {"n_ctx": o.n_ctx, "n_threads": o.n_threads, "n_gpu_layers": o.n_gpu_layers, "n_batch": o.n_batch}
        try:
            return llama_cpp.Llama(model_path=o.model, verbose=o.verbose, **{k: v for k, v in settings.items() if v is not None})
        except ValueError as exc:
            raise UserError(f"llama.cpp cannot load '{o.model}' ({exc}); is it a GGUF file of a supported model?") from None

    def _resolve_vocab(self, llm: Any) -> _Vocab:
        eot_id, end_id = _single_token(llm, END_OF_TURN), _single_token(llm, END_CONVERSATION)
        if eot_id is None:
            raise UserError(f"'{self.options.model}' is not in UserLM format ({END_OF_TURN} is not one token in it); "
                            "use a UserLM-format GGUF")
        stop_ids = {eot_id, llm.token_eos()} | ({end_id} if end_id is not None else set())
        vocab = _Vocab(eot_id, end_id, stop_ids)
        if self.guardrails.first_token_ban:
            texts = [llm.detokenize([i], special=True).decode("utf-8", errors="replace") for i in range(llm.n_vocab())]
            vocab.banned_ids = banned_first_token_ids(texts, self.guardrails.first_token_ban)
            vocab.whitespace_ids = set(whitespace_token_ids(texts))
        return vocab

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        if not states:
            return []
        if self._llm is None:
            await asyncio.to_thread(self.load)
        turns = await generate_with_guardrails(states, self._draft, self.guardrails)
        return [_context_full(t) if t.metadata.get("context_full") else t for t in turns]

    async def aclose(self) -> None:
        llm, self._llm = self._llm, None
        if llm is not None and hasattr(llm, "close"):
            llm.close()

    async def _draft(self, states: list[ConversationState], attempt: int) -> list[Draft]:
        return await asyncio.to_thread(self.draft_batch, states, attempt)

    def draft_batch(self, states: Sequence[ConversationState], attempt: int = 0) -> list[Draft]:
        """Raw drafts for ``states``, one sequence after another (llama.cpp's high-level API has no batch)."""
        with self._lock:
            return [self.draft_one(state, attempt) for state in states]

    def draft_one(self, state: ConversationState, attempt: int) -> Draft:
        llm, o = self._llm, self.options
        prompt = llm.tokenize(render_prompt(system_message(state), state.openai_messages()).encode("utf-8"),
                              add_bos=False, special=True)
        if len(prompt) + o.max_new_tokens > o.n_ctx:
            return Draft("", metadata={"context_full": True, "prompt_tokens": len(prompt)})
        llm.set_seed(derive_seed(state.seed, "llamacpp", attempt))
        processor = self._processor(len(prompt), self.guardrails.end_allowed(state))
        tokens = llm.generate(prompt, top_k=o.top_k, top_p=o.top_p, min_p=0.0, typical_p=1.0, temp=o.temperature,
                              repeat_penalty=1.0, logits_processor=[processor] if processor else None)
        kept, stopped = self._collect(tokens)
        text, ended = parse_user_turn(llm.detokenize(kept, special=True).decode("utf-8", errors="replace"))
        return Draft(text, ended, {} if stopped else {"truncated": True})

    def _collect(self, tokens: Any) -> tuple[list[int], bool]:
        """Generated ids up to a stop token (the end marker is kept), at most ``max_new_tokens``."""
        vocab, kept = self._loaded_vocab(), []
        for count, token in enumerate(tokens, start=1):
            if token in vocab.stop_ids:
                if token == vocab.end_id:
                    kept.append(token)
                return kept, True
            kept.append(token)
            if count >= self.options.max_new_tokens:
                break
        return kept, False

    def _loaded_vocab(self) -> _Vocab:
        assert self.vocab is not None, "load() first"
        return self.vocab

    def _processor(self, prompt_length: int, end_allowed: bool) -> Any:
        """A llama-cpp-python logits processor for this row's guardrails, or None when none applies."""
        import numpy as np

        vocab = self._loaded_vocab()
        ban_end = vocab.end_id is not None and not end_allowed
        banned = np.array(vocab.banned_ids, dtype=np.intc)
        if not ban_end and banned.size == 0:
            return None

        def apply(input_ids: Any, scores: Any) -> Any:
            if ban_end:
                scores[vocab.end_id] = -np.inf
            if banned.size and all(int(t) in vocab.whitespace_ids for t in input_ids[prompt_length:]):
                scores[banned] = -np.inf
            return scores

        return apply


def _context_full(turn: UserTurn) -> UserTurn:
    """The prompt no longer fits ``n_ctx``: this conversation cannot go on with this model."""
    return UserTurn.exhausted("context_full", **{k: v for k, v in turn.metadata.items() if k != "reason"})


def _single_token(llm: Any, text: str) -> int | None:
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
    return ids[0] if len(ids) == 1 else None
