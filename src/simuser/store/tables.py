"""Conversations as tables: rows for pandas, and a short HTML view for Jupyter.

Two levels, because the two questions people ask of a run need different shapes: "what was said"
(one row per message, ``level="turn"``) and "how did each conversation go" (one row per conversation,
``level="conversation"``). Rows are plain dicts, so the same rows feed pandas, a CSV writer or a test;
pandas itself is optional and imported only by :func:`to_pandas`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from simuser.errors import UserError
from simuser.schema import Conversation

LEVELS = ("turn", "conversation")
#: Conversations shown by the HTML view; the rest are counted, not drawn (a notebook cell stays readable).
HTML_ROWS = 20
PREVIEW_CHARS = 120


def turn_rows(conversations: Sequence[Conversation]) -> list[dict[str, Any]]:
    """One row per message: who said what, at which turn, with the latency the engine measured."""
    rows = []
    for conversation in conversations:
        turn = 0
        for index, message in enumerate(conversation.messages):
            turn += message.role == "user"
            rows.append({
                **_identity(conversation), "turn": turn, "index": index, "role": message.role,
                "content": message.content, "words": len(message.content.split()),
                "latency_s": message.metadata.get("latency_s", message.metadata.get("batch_latency_s")),
            })
    return rows


def conversation_rows(conversations: Sequence[Conversation]) -> list[dict[str, Any]]:
    """One row per conversation: its intent, length, how it ended and how long it took."""
    rows = []
    for conversation in conversations:
        user = conversation.user_turns
        rows.append({
            **_identity(conversation), "intent": conversation.intent.text, "seed": conversation.seed,
            "user_turns": len(user), "assistant_turns": len(conversation.assistant_turns),
            "words_per_user_turn": round(sum(len(m.content.split()) for m in user) / len(user), 2) if user else 0.0,
            "first_user_turn": user[0].content if user else "",
            "end_reason": conversation.end_reason.value if conversation.end_reason else None,
            "error": conversation.error, "duration_s": conversation.timings.duration_s,
            "simulator": conversation.simulator.name if conversation.simulator else None,
            "assistant": conversation.assistant.name if conversation.assistant else None,
        })
    return rows


def to_pandas(conversations: Sequence[Conversation], level: str = "turn"):
    """A pandas DataFrame of :func:`turn_rows` or :func:`conversation_rows`."""
    if level not in LEVELS:
        raise UserError(f"level '{level}' is not one of: {', '.join(LEVELS)}")
    try:
        import pandas as pd
    except ImportError:
        raise UserError("to_pandas needs pandas; install it with pip install 'simuser[notebook]'") from None
    rows = turn_rows(conversations) if level == "turn" else conversation_rows(conversations)
    columns = list(rows[0]) if rows else list(_empty_columns(level))
    return pd.DataFrame(rows, columns=columns)


def html_summary(conversations: Sequence[Conversation], summary: dict[str, Any]) -> str:
    """A compact HTML table of a run, for Jupyter's rich display (no pandas needed)."""
    reasons = ", ".join(f"{escape(str(k))}: {v}" for k, v in summary.get("end_reasons", {}).items()) or "none"
    head = (f"<p><b>simuser run</b>: {len(conversations)} conversations, {summary.get('user_turns', 0)} user turns, "
            f"{summary.get('elapsed_s', 0.0):.1f} s; ended: {reasons}</p>")
    header = "".join(f"<th>{name}</th>" for name in ("intent", "sample", "user turns", "end reason", "first user turn"))
    body = "".join(_html_row(row) for row in conversation_rows(conversations[:HTML_ROWS]))
    more = len(conversations) - HTML_ROWS
    tail = f"<p>... and {more} more (use .to_pandas('conversation'))</p>" if more > 0 else ""
    return f"<div>{head}<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>{tail}</div>"


def _html_row(row: dict[str, Any]) -> str:
    cells = (_preview(row["intent"]), row["sample_index"], row["user_turns"], row["end_reason"] or "",
             _preview(row["first_user_turn"]))
    return "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells) + "</tr>"


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "..."


def _identity(conversation: Conversation) -> dict[str, Any]:
    return {"run_id": conversation.run_id, "intent_id": conversation.intent.id, "sample_index": conversation.sample_index}


def _empty_columns(level: str) -> list[str]:
    """Column names of an empty run, taken from a throw-away conversation so they cannot drift."""
    from simuser.schema import Intent, Message

    probe = Conversation(intent=Intent(id="-", text="-"), messages=[Message(role="user", content="-")])
    return list((turn_rows if level == "turn" else conversation_rows)([probe])[0])
