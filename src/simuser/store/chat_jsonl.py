"""Plain chat JSONL in and out: ``{"intent": ..., "messages": [{"role": ..., "content": ...}, ...]}``.

This is how people bring their own logs (human conversations, another tool's output) and take simuser's
results anywhere. On import, a leading system message stands in for a missing intent (that is where
UserLM puts it); a line with neither gets an empty intent, and metrics that need one say so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simuser.errors import UserError
from simuser.schema import Conversation, Intent, Message


def conversation_from_chat(record: dict[str, Any], line_number: int = 0) -> Conversation:
    messages = [m for m in record.get("messages", [])]
    intent = _intent_of(record, messages, line_number)
    if messages and messages[0].get("role") == "system" and messages[0].get("content") == intent.text:
        messages = messages[1:]
    return Conversation(
        intent=intent,
        sample_index=int(record.get("sample_index", 0)),
        messages=[_message_from_chat(m) for m in messages],
        end_reason=record.get("end_reason"),
        metadata=record.get("metadata", {}),
    )


def _message_from_chat(message: dict[str, Any]) -> Message:
    """An OpenAI chat message, tool calls and tool results included (``content: null`` reads as '')."""
    tool_fields = {k: message[k] for k in ("tool_calls", "tool_call_id", "name") if message.get(k) is not None}
    return Message(role=message["role"], content=message.get("content") or "", metadata=message.get("metadata", {}),
                   **tool_fields)


def _intent_of(record: dict[str, Any], messages: list[dict[str, Any]], line_number: int) -> Intent:
    raw = record.get("intent")
    if isinstance(raw, dict):
        return Intent.model_validate(raw)
    text = raw or (messages[0]["content"] if messages and messages[0].get("role") == "system" else "")
    intent_id = record.get("intent_id") or record.get("id") or record.get("conversation_id")
    if not intent_id:
        intent_id = hashlib.sha1(f"{line_number}:{text}".encode()).hexdigest()[:10]
    return Intent(id=str(intent_id), text=text, metadata=record.get("intent_metadata") or {})


def conversation_to_chat(conversation: Conversation) -> dict[str, Any]:
    """The plain chat record of a conversation; :func:`conversation_from_chat` reads it back unchanged.

    The intent's id and metadata, the sample index, message metadata and the end reason are kept (each
    only when set), so exported runs, the human reference and imported logs share one format.
    """
    intent = conversation.intent
    record: dict[str, Any] = {"id": intent.id, "intent": intent.text}
    if intent.metadata:
        record["intent_metadata"] = intent.metadata
    if conversation.sample_index:
        record["sample_index"] = conversation.sample_index
    record["messages"] = [m.to_openai() | ({"metadata": m.metadata} if m.metadata else {}) for m in conversation.messages]
    if conversation.end_reason:
        record["end_reason"] = conversation.end_reason.value
    record["metadata"] = conversation.metadata
    return record


def write_chat_jsonl(conversations: Iterable[Conversation], path: Path) -> None:
    """Write ``conversations`` as chat JSONL, one record per line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(conversation_to_chat(c), ensure_ascii=False) + "\n" for c in conversations)


def parse_line(record: Any, path: Path, line_number: int) -> Conversation:
    """One JSONL record: a simuser Conversation record or a plain chat record."""
    if not isinstance(record, dict) or "messages" not in record:
        raise UserError(f"{path}:{line_number}: expected an object with 'messages'; see docs/schema.md")
    if "schema_version" in record:
        return Conversation.model_validate(record)
    return conversation_from_chat(record, line_number)
