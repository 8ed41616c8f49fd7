"""High-level intents in the UserLM paper's phrasing, and the detailed goal for a share of samples.

The paper conditions its user model on one high-level sentence ("You are a user chatting with an
assistant language model to ..."), while the WOZ data sets hold detailed instructions (slot values,
names, booking references). We give the model both: every conversation gets the high-level intent,
written by rule from the goal's domains and tasks (no model involved, so it is reproducible and cheap),
and a fixed share of conversations (chosen by a hash of the id) also carries the cleaned detailed goal
after it. The high-level intent stays first, so the model learns to work from it alone.
"""

from __future__ import annotations

import hashlib
import re

from simuser.schema import Conversation, Intent

PREFIX = "You are a user chatting with an assistant language model to"
DETAIL_HEADER = "Details of your goal:"
#: Share of conversations (percent) whose intent also carries the detailed goal.
DETAILED_PERCENT = 30

_MARKUP = re.compile(r"<[^>]+>")


def intent_text(purpose: str) -> str:
    """``PREFIX purpose.`` (one sentence, the paper's phrasing)."""
    return f"{PREFIX} {purpose.strip().rstrip('.')}."


def strip_markup(text: str) -> str:
    """Goals without HTML markup (MultiWOZ wraps slot values in ``<span class='emphasis'>``)."""
    return re.sub(r"\s{2,}", " ", _MARKUP.sub("", text)).strip()


def join_phrases(phrases: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def takes_detail(conversation_id: str, percent: int = DETAILED_PERCENT) -> bool:
    """Whether this conversation's intent carries its detailed goal (stable: a hash of the id)."""
    return int(hashlib.sha256(f"detail:{conversation_id}".encode()).hexdigest(), 16) % 100 < percent


def with_detailed_goal(conversation: Conversation, percent: int = DETAILED_PERCENT) -> Conversation:
    """The conversation, its intent extended by ``metadata.goal`` when the id's hash falls in the share."""
    goal = conversation.metadata.get("goal")
    if not goal or not takes_detail(conversation.intent.id, percent):
        return conversation
    text = f"{conversation.intent.text}\n\n{DETAIL_HEADER}\n{goal}"
    intent = Intent(id=conversation.intent.id, text=text, metadata={**conversation.intent.metadata, "detailed": True})
    return conversation.model_copy(update={"intent": intent})
