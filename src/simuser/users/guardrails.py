"""The UserLM paper's guardrails, as pure checks plus a batched retry driver.

"Flipping the Dialogue" (arXiv 2510.06552) keeps a user simulator in role with a few cheap rules:

* the first token may not be "I", "You" or "Here" (assistant-like openings) -- enforced at the logit
  level by :mod:`simuser.users.userlm_logits`, from the ids :func:`banned_first_token_ids` picks;
* ``<|endconversation|>`` is suppressed until the user has had ``min_turns_before_end`` turns;
* turns under ``min_words`` or over ``max_words`` words are regenerated;
* verbatim repeats of an earlier user turn, or of the intent, are regenerated.

Regeneration is bounded (``max_retries``); when it runs out the last draft is accepted and flagged, so a
stubborn model slows a run down but never stalls it. Every rejected draft is kept in the turn's metadata:
what the guardrails threw away is evidence about the simulator, not noise.

Nothing here imports torch: any simulator (local model, endpoint, prompted chat model) can reuse the
checks and :func:`generate_with_guardrails` with its own ``draft`` function.
"""

from __future__ import annotations

import string
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simuser import defaults
from simuser.tokens import BANNED_FIRST_WORDS, INTENT_PREFIX
from simuser.users.base import ConversationState, UserTurn

#: ``logit_bias`` is clamped to [-100, 100] by OpenAI-compatible servers; -100 removes a token in practice.
BAN_BIAS = -100.0


@dataclass(frozen=True)
class GuardrailConfig:
    """Which guardrails are on, and their limits. ``GuardrailConfig.off()`` disables all of them."""

    first_token_ban: tuple[str, ...] = BANNED_FIRST_WORDS
    min_turns_before_end: int = defaults.MIN_TURNS_BEFORE_END
    min_words: int = defaults.MIN_WORDS
    max_words: int = defaults.MAX_WORDS
    block_repeats: bool = True
    max_retries: int = defaults.MAX_RETRIES

    @classmethod
    def off(cls) -> GuardrailConfig:
        return cls(first_token_ban=(), min_turns_before_end=0, min_words=0, max_words=0,
                   block_repeats=False, max_retries=0)

    def end_allowed(self, state: ConversationState) -> bool:
        """May this conversation's next turn be ``<|endconversation|>``?"""
        return state.turn_index >= self.min_turns_before_end


@dataclass
class Draft:
    """One candidate user turn, already parsed: ``ended`` means the model wrote the end marker."""

    text: str
    ended: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


def normalize(text: str) -> str:
    """Case- and whitespace-insensitive form used to spot verbatim repeats."""
    return " ".join(text.lower().split()).strip(string.punctuation + " ")


def word_count(text: str) -> int:
    return len(text.split())


def intent_forms(intent_text: str) -> set[str]:
    """The intent as written and without its standard prefix: copying either is a verbatim repeat."""
    forms = {normalize(intent_text)}
    if intent_text.startswith(INTENT_PREFIX):
        forms.add(normalize(intent_text[len(INTENT_PREFIX):]))
    return forms - {""}


def check_text(text: str, state: ConversationState, config: GuardrailConfig) -> str | None:
    """Why a user message must be regenerated (``too_short``, ``too_long``, ``repeats_intent``,
    ``repeat``), or None when it passes. A limit of 0 switches that check off."""
    words = word_count(text)
    if config.min_words and words < config.min_words:
        return "too_short"
    if config.max_words and words > config.max_words:
        return "too_long"
    if not config.block_repeats:
        return None
    normalized = normalize(text)
    if normalized in intent_forms(state.intent.text):
        return "repeats_intent"
    if any(normalize(m.content) == normalized for m in state.user_messages):
        return "repeat"
    return None


def check_draft(draft: Draft, state: ConversationState, config: GuardrailConfig) -> str | None:
    """:func:`check_text` for messages; an end marker only needs enough turns behind it.

    ``early_end`` matters for backends without logit control (endpoints), or models that spell the
    marker out in pieces instead of emitting its single token.
    """
    if draft.ended:
        return None if config.end_allowed(state) else "early_end"
    return check_text(draft.text, state, config)


def banned_first_token_ids(token_texts: Sequence[str], words: Sequence[str]) -> list[int]:
    """Ids (indices into ``token_texts``, each token decoded on its own) that would open a turn with
    a banned word: the stripped text is the word, or starts with it as a whole word ("I'm", "Here,")."""
    banned = []
    for token_id, text in enumerate(token_texts):
        stripped = text.strip()
        if any(_starts_with_word(stripped, word) for word in words):
            banned.append(token_id)
    return banned


def _starts_with_word(text: str, word: str) -> bool:
    if not text.startswith(word):
        return False
    return len(text) == len(word) or not text[len(word)].isalnum()


def whitespace_token_ids(token_texts: Sequence[str]) -> list[int]:
    """Ids that decode to whitespace only (the header newline, spaces): the turn has not started yet."""
    return [i for i, text in enumerate(token_texts) if text and not text.strip()]


DraftFn = Callable[[list[ConversationState], int], Awaitable[list[Draft]]]


@dataclass
class _Row:
    attempts: int = 0
    rejections: list[dict[str, str]] = field(default_factory=list)
    turn: UserTurn | None = None


async def generate_with_guardrails(
    states: Sequence[ConversationState], draft: DraftFn, config: GuardrailConfig
) -> list[UserTurn]:
    """Draft a turn for every state, redrafting only the rejected ones, at most ``max_retries`` times.

    ``draft(states, attempt)`` returns one :class:`Draft` per state, in order; it is called with fewer
    states on each retry, so a batched backend resamples just the rows that failed.
    """
    start = time.perf_counter()
    rows = [_Row() for _ in states]
    pending = list(range(len(states)))
    for attempt in range(config.max_retries + 1):
        drafts = await draft([states[i] for i in pending], attempt)
        last_try = attempt == config.max_retries
        pending = [i for i, d in zip(pending, drafts, strict=True)
                   if not _settle(rows[i], d, states[i], config, last_try, start)]
        if not pending:
            break
    return [row.turn for row in rows]  # type: ignore[misc]


def _settle(row: _Row, draft: Draft, state: ConversationState, config: GuardrailConfig,
            last_try: bool, start: float) -> bool:
    """Accept or reject one draft; True when the row has its turn."""
    row.attempts += 1
    reason = check_draft(draft, state, config)
    if reason is not None and not last_try:
        row.rejections.append({"text": draft.text, "reason": reason})
        return False
    metadata = {**draft.metadata, "attempts": row.attempts, "rejections": row.rejections,
                "latency_s": round(time.perf_counter() - start, 4)}
    if reason is not None:
        metadata.update(guardrails_exhausted=True, exhausted_reason=reason)
    if reason == "early_end":  # never end early, even when out of retries: keep what was said
        draft = Draft(draft.text, ended=False, metadata=draft.metadata)
    row.turn = to_user_turn(draft, metadata)
    return True


def to_user_turn(draft: Draft, metadata: dict[str, Any]) -> UserTurn:
    """The accepted draft as a turn. Text written before an end marker is kept in the metadata."""
    if draft.ended:
        return UserTurn.end(**metadata, **({"final_text": draft.text} if draft.text else {}))
    if not draft.text:
        return UserTurn.exhausted("empty_turn", **metadata)
    return UserTurn.say(draft.text, **metadata)
