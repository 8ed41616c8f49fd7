"""The banned first words ("I", "You", "Here") for servers that cannot ban a token at the first position only.

``logit_bias``, vLLM's ``bad_words`` and ``allowed_token_ids`` act at every position, so they would forbid
"I" anywhere in the turn. A turn that opens with a banned word is redrawn instead (rejection sampling of
whole turns gives the first word the same distribution as masking it, the banned mass renormalised away),
and the rejected drafts are kept in the turn's metadata (``banned_opening_rejections``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from simuser.users.base import ConversationState
from simuser.users.guardrails import Draft, banned_first_token_ids


def opens_with_banned_word(text: str, words: Sequence[str]) -> bool:
    """Does this user turn open with a banned word (the same rule the token-level ban uses)?"""
    return bool(words) and bool(text.strip()) and bool(banned_first_token_ids([text], words))


BatchDraftFn = Callable[[list[ConversationState], int, int], Awaitable[list[Draft]]]


async def redraft_banned_openings(
    states: list[ConversationState], attempt: int, draft: BatchDraftFn, words: Sequence[str], tries: int
) -> list[Draft]:
    """Drafts for ``states``, redrawing (batched, only those rows) any that open with a banned word.

    ``draft(states, attempt, redraw)`` makes one draft per state. After ``tries`` redraws a banned
    opening is kept and flagged (``banned_opening_kept``), so a stubborn model never stalls a run.
    """
    drafts = await draft(states, attempt, 0)
    rejected: list[list[str]] = [[] for _ in states]
    pending = [i for i, d in enumerate(drafts) if not d.ended and opens_with_banned_word(d.text, words)]
    for redraw in range(1, tries + 1):
        if not pending:
            break
        for i in pending:
            rejected[i].append(drafts[i].text)
        for i, d in zip(pending, await draft([states[i] for i in pending], attempt, redraw), strict=True):
            drafts[i] = d
        pending = [i for i in pending if not drafts[i].ended and opens_with_banned_word(drafts[i].text, words)]
    for i, d in enumerate(drafts):
        if rejected[i]:
            d.metadata["banned_opening_rejections"] = rejected[i]
        if i in pending:
            d.metadata["banned_opening_kept"] = True
    return drafts
