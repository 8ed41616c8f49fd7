"""Asking a chat model for one label out of a few: the shared core of simuser's optional LLM judges.

The red-team judge (refused / partial / complied), the reaction judge (satisfied / follows_up / rephrases /
complains) and the survey judge (an option number) all send one prompt per item, decode greedily, and read
the first allowed label in the answer. Through the one chat-model interface (:mod:`simuser.models.chat`),
so any local model, endpoint or Python function can judge; a failed call or an answer without a label is
``None``, which callers record as "unparsed" and never silently replace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from simuser.schema import ComponentSpec
from simuser.seeds import derive_seed


def first_label(text: str, labels: Sequence[str]) -> str | None:
    """The first of ``labels`` that appears in ``text`` as a whole word (case-insensitive)."""
    pattern = re.compile(r"\b(" + "|".join(re.escape(label) for label in labels) + r")\b", re.IGNORECASE)
    match = pattern.search(text)
    return next(label for label in labels if label.lower() == match.group(1).lower()) if match else None


async def label_prompts(spec: ComponentSpec, prompts: Sequence[str], labels: Sequence[str], seed: int, tag: str,
                        max_new_tokens: int = 8) -> list[str | None]:
    """One label (or None) per prompt, from the chat model ``spec`` (built here, closed here)."""
    if not prompts:
        return []
    from simuser.models.chat import Sampling, build_chat_model

    model = build_chat_model(spec)
    try:
        chats = [[{"role": "user", "content": prompt}] for prompt in prompts]
        seeds = [derive_seed(seed, tag, i) for i in range(len(chats))]
        generations = await model.generate(chats, Sampling(max_new_tokens=max_new_tokens, temperature=0.0, do_sample=False), seeds)
    finally:
        await model.aclose()
    return [first_label(g.text, labels) if g.ok else None for g in generations]
