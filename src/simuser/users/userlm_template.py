"""The UserLM prompt format, in one place.

UserLM-8b (Microsoft, "Flipping the Dialogue", arXiv 2510.06552) is prompted like this::

    <|start_header_id|>system<|end_header_id|>\\nINTENT<|eot_id|>
    <|start_header_id|>user<|end_header_id|>\\nFIRST USER TURN<|eot_id|>
    <|start_header_id|>assistant<|end_header_id|>\\nASSISTANT REPLY<|eot_id|>
    <|start_header_id|>user<|end_header_id|>

(no line breaks between messages, no BOS). Roles keep their normal meaning: the simulated user's turns
are ``user``. The prompt always ends with an *open* user header, so the model writes the next user turn;
its output starts with the header's newline (stripped), ends at ``<|eot_id|>``, and the marker
``<|endconversation|>`` means the user leaves. A model that keeps going past its turn spills a new role
header: everything from the first header on is cut.

Training (``simuser.train``) installs :data:`USERLM_CHAT_TEMPLATE` on the tokenizer; the transformers
simulator, the completions backend and the tests render with :func:`render_prompt`. The two must agree
byte for byte, and a test checks that they do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from simuser.models.templates import USERLM_CHAT_TEMPLATE
from simuser.population import userlm_system_message
from simuser.tokens import END_CONVERSATION, END_HEADER, END_OF_TURN, START_HEADER

if TYPE_CHECKING:
    from simuser.users.base import ConversationState

__all__ = ["USERLM_CHAT_TEMPLATE", "open_user_header", "parse_user_turn", "render_message", "render_prompt",
           "system_message"]


def render_message(role: str, content: str) -> str:
    return f"{START_HEADER}{role}{END_HEADER}\n{content}{END_OF_TURN}"


def open_user_header() -> str:
    return f"{START_HEADER}user{END_HEADER}"


def render_prompt(intent: str, messages: Iterable[Mapping[str, str]]) -> str:
    """The full prompt for the next user turn: intent as system message, history, open user header."""
    parts = [render_message("system", intent)]
    parts += [render_message(m["role"], m["content"]) for m in messages]
    parts.append(open_user_header())
    return "".join(parts)


def system_message(state: ConversationState) -> str:
    """The system message for ``state``: its intent, then its persona block when it has one
    (:func:`simuser.population.userlm_system_message`; docs/populations.md shows the bytes)."""
    return userlm_system_message(state.intent.text, state.persona)


def parse_user_turn(raw: str) -> tuple[str, bool]:
    """Clean a raw generation into ``(text, ended)``.

    ``ended`` is True when the model wrote the end-of-conversation marker. The text is cut at the first
    end-of-turn token or spilled role header, and the header's leading newline is stripped.
    """
    text = raw
    for stop in (END_OF_TURN, START_HEADER):
        text = text.split(stop, 1)[0]
    ended = END_CONVERSATION in text
    text = text.replace(END_CONVERSATION, "")
    if text.startswith("\n"):
        text = text[1:]
    return text.strip(), ended
