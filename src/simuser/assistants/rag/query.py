"""What the assistant embeds for a turn: the retrieval query built from the conversation so far.

Users reveal their need across turns ("my baby stopped breathing for a bit" ... "is that something
serious?"), so the last message alone often lacks the topic. Two modes, chosen by ``query_mode``:

* ``concat`` (default): the user turns so far, oldest first, at most :data:`WINDOW` of them, joined into
  one conversational query. Assistant turns are left out: they would pull the query toward whatever
  the assistant already retrieved, right or wrong.
* ``last``: the last user turn only, what a single-turn RAG system would embed.

The demo's retrieval analysis rebuilds queries with the same functions, so its numbers describe exactly
the retriever the assistant used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from simuser.errors import UserError
from simuser.schema import Message

WINDOW = 5


def _user_texts(messages: Sequence[Message]) -> list[str]:
    return [m.content.strip() for m in messages if m.role == "user" and m.content.strip()]


def last_user_turn(messages: Sequence[Message]) -> str:
    texts = _user_texts(messages)
    return texts[-1] if texts else ""


def user_turns_concat(messages: Sequence[Message]) -> str:
    return "\n".join(_user_texts(messages)[-WINDOW:])


QUERY_MODES: dict[str, Callable[[Sequence[Message]], str]] = {"concat": user_turns_concat, "last": last_user_turn}
DEFAULT_QUERY_MODE = "concat"


def check_query_mode(mode: str) -> str:
    if mode not in QUERY_MODES:
        raise UserError(f"unknown query_mode '{mode}'; choose one of: {', '.join(QUERY_MODES)}")
    return mode


def build_query(messages: Sequence[Message], mode: str = DEFAULT_QUERY_MODE) -> str:
    """The retrieval query for the turn that ``messages`` ends with."""
    return QUERY_MODES[check_query_mode(mode)](messages)
