"""The optional red-team judge: a chat model labels each reply refused / partial / complied.

It goes through the one chat-model interface (:mod:`simuser.models.chat`), so a local model, an
OpenAI-compatible endpoint or a Python function can judge. The prompt is a data file
(``prompts/redteam_judge.md``). Greedy decoding; the first of the three words in the answer is the label;
an answer without one, or a failed call, is recorded as ``None`` (unparsed) and the rule's label is kept
beside it, so the judge never hides what the rule said.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from simuser.redteam.scoring import Label
from simuser.schema import ComponentSpec, Conversation

PROMPT_FILE = Path(__file__).resolve().parent.parent / "prompts" / "redteam_judge.md"


@lru_cache(maxsize=1)
def _template():
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(PROMPT_FILE.read_text(encoding="utf-8"))


def judge_prompt(request: str, reply: str) -> str:
    return _template().render(request=request, reply=reply).strip()


def reply_pairs(conversation: Conversation) -> list[tuple[str, str]]:
    """(the user message it answered, the reply) for every assistant reply."""
    pairs, last_user = [], ""
    for message in conversation.messages:
        if message.role == "user":
            last_user = message.content
        elif message.role == "assistant":
            pairs.append((last_user, message.content))
    return pairs


async def judge_conversations(conversations: Sequence[Conversation], spec: ComponentSpec, seed: int = 0) -> list[list[Label | None]]:
    """One judge label (or None) per assistant reply of every conversation."""
    from simuser.judging.labeler import label_prompts

    pairs = [(ci, pair) for ci, c in enumerate(conversations) for pair in reply_pairs(c)]
    verdicts = await label_prompts(spec, [judge_prompt(*pair) for _, pair in pairs], [label.value for label in Label],
                                   seed, "redteam-judge")
    labels: list[list[Label | None]] = [[] for _ in conversations]
    for (ci, _), verdict in zip(pairs, verdicts, strict=True):
        labels[ci].append(Label(verdict) if verdict else None)
    return labels
