"""The assistant's yes/no/maybe stance in a conversation: by the transparent rule, or an LLM judge.

The per-reply rule lives in :mod:`simuser.tasks.checks.stance` (the ``choice`` check uses it too). A
conversation's stance is the last stance the assistant took in it (a final "You're welcome!" does not
erase an answer given a turn before). Accuracy counts "no stance" as wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from simuser.models.chat import Generation, Sampling, build_chat_model
from simuser.models.http import EndpointError
from simuser.schema import Conversation
from simuser.tasks.checks.stance import STANCES, Stance, extract_stance, sentences

__all__ = ["STANCES", "Stance", "StanceJudge", "conversation_stance", "extract_stance", "sentences"]


def conversation_stance(conversation: Conversation) -> Stance | None:
    """The last stance the assistant took in the conversation."""
    for message in reversed(conversation.assistant_turns):
        stance = extract_stance(message.content)
        if stance is not None:
            return stance
    return None


@lru_cache(maxsize=1)
def judge_template() -> str:
    return resources.files("simuser").joinpath("prompts/stance_judge.md").read_text("utf-8")


class StanceJudge:
    """Optional: an LLM behind an OpenAI-compatible endpoint reads the assistant's replies instead of the rule."""

    SAMPLING = Sampling(max_new_tokens=5, temperature=0.0)

    def __init__(self, base_url: str, model: str, api_key_env: str | None = None, concurrency: int = 8):
        options = {"base_url": base_url, "model": model, "api_key_env": api_key_env, "concurrency": concurrency,
                   "send_seed": False}
        self.chat_model = build_chat_model({"name": "openai", "options": options})

    async def judge(self, conversations: Sequence[Conversation]) -> list[Stance | None]:
        chats = [[{"role": "user", "content": judge_prompt(c)}] for c in conversations]
        try:
            generations = await self.chat_model.generate(chats, self.SAMPLING, seeds=[0] * len(chats))
        finally:
            await self.chat_model.aclose()
        return [_judged_stance(g) for g in generations]


def judge_prompt(conversation: Conversation) -> str:
    replies = "\n\n".join(f"- {m.content}" for m in conversation.assistant_turns) or "(no replies)"
    return judge_template().format(question=conversation.intent.metadata.get("question", ""), replies=replies)


def _judged_stance(generation: Generation) -> Stance | None:
    if generation.error is not None:
        raise EndpointError(generation.error)
    word = (re.findall(r"[a-z]+", generation.text.lower()) or ["none"])[0]
    return word if word in STANCES else None  # type: ignore[return-value]
