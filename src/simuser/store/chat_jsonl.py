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

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from simuser.errors import UserError
from simuser.redact import redact
from simuser.schema import Conversation, EndReason, Intent, Message, Role, ToolCall
from simuser.store.atomic import atomic_write_text
from simuser.store.inputs import MAX_INTENT_CHARS, check_schema_version, validation_line, where


class ChatMessage(BaseModel):
    """One message of a chat record (tool calls and results included); other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    role: Role
    content: StrictStr | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    tool_calls: list[ToolCall] | None = None
    tool_call_id: StrictStr | None = None
    name: StrictStr | None = None


class ChatRecord(BaseModel):
    """One line of plain chat JSONL, checked before it becomes a :class:`Conversation`."""

    model_config = ConfigDict(extra="ignore")

    messages: list[ChatMessage]
    intent: StrictStr | Intent | None = None
    intent_id: StrictStr | StrictInt | None = None
    id: StrictStr | StrictInt | None = None
    conversation_id: StrictStr | StrictInt | None = None
    intent_metadata: dict[str, Any] | None = None
    sample_index: StrictInt = Field(0, ge=0)
    end_reason: EndReason | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


def conversation_from_chat(record: dict[str, Any], line_number: int = 0, path: Path | None = None) -> Conversation:
    try:
        chat = ChatRecord.model_validate(record)
    except ValidationError as exc:
        raise validation_line(exc, path or Path("<chat>"), line_number, "chat record") from None
    messages = chat.messages
    intent = _intent_of(chat, line_number)
    if len(intent.text) > MAX_INTENT_CHARS:
        raise UserError(f"{where(path or Path('<chat>'), line_number)}: intent of {len(intent.text)} characters, "
                        f"over the {MAX_INTENT_CHARS} limit; shorten it")
    if messages and messages[0].role == "system" and messages[0].content == intent.text:
        messages = messages[1:]
    return Conversation(
        intent=intent,
        sample_index=chat.sample_index,
        messages=[Message(role=m.role, content=m.content or "", metadata=m.metadata,
                          **m.model_dump(include={"tool_calls", "tool_call_id", "name"}, exclude_none=True))
                  for m in messages],
        end_reason=chat.end_reason,
        metadata=chat.metadata,
    )


def _intent_of(chat: ChatRecord, line_number: int) -> Intent:
    if isinstance(chat.intent, Intent):
        return chat.intent
    messages = chat.messages
    text = chat.intent or (messages[0].content or "" if messages and messages[0].role == "system" else "")
    intent_id = chat.intent_id or chat.id or chat.conversation_id
    if intent_id is None or intent_id == "":
        intent_id = hashlib.sha1(f"{line_number}:{text}".encode()).hexdigest()[:10]
    return Intent(id=str(intent_id), text=text, metadata=chat.intent_metadata or {})


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
    """Write chat JSONL atomically: a crash or a full disk leaves the old file (or none), never half of one."""
    lines = (json.dumps(redact(conversation_to_chat(c)), ensure_ascii=False) + "\n" for c in conversations)
    atomic_write_text(Path(path), "".join(lines))


def parse_line(record: Any, path: Path, line_number: int) -> Conversation:
    """One JSONL record: a simuser Conversation record or a plain chat record, checked."""
    if not isinstance(record, dict) or "messages" not in record:
        raise UserError(f"{where(path, line_number)}: expected an object with 'messages'; see docs/schema.md")
    if "schema_version" not in record:
        return conversation_from_chat(record, line_number, path)
    check_schema_version(record["schema_version"], path, line_number)
    try:
        return Conversation.model_validate(record)
    except ValidationError as exc:
        raise validation_line(exc, path, line_number, "simuser record") from None
