"""Sampling and guardrail options shared by every UserLM backend (transformers, completions, llama.cpp, vLLM).

Each backend's options model extends :class:`ServedUserLMOptions` with where its model lives, so the
paper's guardrails are configured, and recorded in the run, the same way whichever backend runs them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.tokens import BANNED_FIRST_WORDS
from simuser.users.guardrails import GuardrailConfig


class ServedUserLMOptions(BaseModel):
    """Sampling and guardrail options shared by the served UserLM backends (completions, llama.cpp, vLLM)."""

    model_config = ConfigDict(extra="forbid")

    temperature: float = Field(defaults.TEMPERATURE, ge=0)
    top_p: float = Field(defaults.TOP_P, gt=0, le=1)
    max_new_tokens: int = Field(defaults.USER_MAX_NEW_TOKENS, ge=1)
    guardrails: bool = True
    first_token_ban: bool | list[str] = True
    min_turns_before_end: int = Field(defaults.MIN_TURNS_BEFORE_END, ge=0)
    min_words: int = Field(defaults.MIN_WORDS, ge=0)
    max_words: int = Field(defaults.MAX_WORDS, ge=0)
    block_repeats: bool = True
    max_retries: int = Field(defaults.MAX_RETRIES, ge=0, le=20)

    def guardrail_config(self) -> GuardrailConfig:
        if not self.guardrails:
            return GuardrailConfig.off()
        words = self.first_token_ban
        banned = BANNED_FIRST_WORDS if words is True else tuple(words or ())
        return GuardrailConfig(banned, self.min_turns_before_end, self.min_words, self.max_words,
                               self.block_repeats, self.max_retries)
