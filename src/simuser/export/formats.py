"""The export-format registry and the built-in formats.

Each format turns simuser :class:`~simuser.schema.Conversation` records into one on-disk layout:

- ``chat-jsonl``: simuser's portable chat JSONL (``simuser import`` reads it back; the persona is in ``metadata``);
- ``openai-finetune``: ``{"messages": [...]}`` per line, as OpenAI's chat fine-tuning expects: trailing user
  turns dropped so every line ends with the assistant's reply (the turns a fine-tune learns from);
- ``sharegpt``: ``{"conversations": [{"from": "human"|"gpt", "value": ...}], "system": intent}`` per line;
- ``hf``: a ``datasets.Dataset`` written with ``save_to_disk`` (a directory; ``datasets.load_from_disk``);
- ``parquet``: the same table written by ``datasets``' ``to_parquet`` (``pyarrow.parquet.read_table``).

``hf`` and ``parquet`` share one flat row per conversation (:func:`table_row`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from simuser.registry import Registry
from simuser.schema import Conversation
from simuser.store.chat_jsonl import write_chat_jsonl


class ExportFormat(Protocol):
    """Writes conversations to ``out`` (a file or a directory, per :attr:`output`); returns what it wrote.

    Example::

        class Lines:
            output = "file"

            def write(self, conversations, out):
                out.write_text("".join(c.messages[0].content + "\\n" for c in conversations))
                return [out]
    """

    output: Literal["file", "directory"]

    def write(self, conversations: Sequence[Conversation], out: Path) -> list[Path]: ...


formats: Registry[ExportFormat] = Registry("export format", "simuser.export_formats", {
    "chat-jsonl": "simuser.export.formats:ChatJsonl",
    "openai-finetune": "simuser.export.formats:OpenAIFinetune",
    "sharegpt": "simuser.export.formats:ShareGPT",
    "hf": "simuser.export.formats:HFDataset",
    "parquet": "simuser.export.formats:Parquet",
})


def persona_of(conversation: Conversation) -> dict[str, Any] | None:
    persona = conversation.metadata.get("persona")
    return persona if isinstance(persona, dict) else None


def write_jsonl(records: list[dict[str, Any]], out: Path) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return [out]


class ChatJsonl:
    output = "file"

    def write(self, conversations: Sequence[Conversation], out: Path) -> list[Path]:
        write_chat_jsonl(conversations, out)  # store's writer: atomic, one-line errors
        return [out]


def ends_with_assistant(conversation: Conversation) -> list[dict[str, str]]:
    messages = [m.to_openai() for m in conversation.messages]
    while messages and messages[-1]["role"] != "assistant":
        messages.pop()
    return messages


class OpenAIFinetune:
    output = "file"

    def write(self, conversations: Sequence[Conversation], out: Path) -> list[Path]:
        chats = [ends_with_assistant(c) for c in conversations]
        return write_jsonl([{"messages": chat} for chat in chats if chat], out)


SHAREGPT_ROLES = {"user": "human", "assistant": "gpt", "system": "system"}


class ShareGPT:
    output = "file"

    def write(self, conversations: Sequence[Conversation], out: Path) -> list[Path]:
        records = [{"id": f"{c.intent.id}-{c.sample_index}", "system": c.intent.text,
                    "conversations": [{"from": SHAREGPT_ROLES[m.role], "value": m.content} for m in c.messages]}
                   for c in conversations]
        return write_jsonl(records, out)


def table_row(conversation: Conversation) -> dict[str, Any]:
    """One flat row: ids, intent, persona name and description, end reason, turns, the messages."""
    persona = persona_of(conversation) or {}
    return {
        "id": f"{conversation.intent.id}-{conversation.sample_index}",
        "intent_id": conversation.intent.id,
        "intent": conversation.intent.text,
        "sample_index": conversation.sample_index,
        "seed": conversation.seed,
        "persona": persona.get("name", ""),
        "persona_description": persona.get("description", ""),
        "end_reason": conversation.end_reason.value if conversation.end_reason else "",
        "user_turns": len(conversation.user_turns),
        "messages": [m.to_openai() for m in conversation.messages],
    }


def to_dataset(conversations: Sequence[Conversation]):
    from simuser.errors import require

    datasets = require("datasets", "export")
    return datasets.Dataset.from_list([table_row(c) for c in conversations])


class HFDataset:
    output = "directory"

    def write(self, conversations: Sequence[Conversation], out: Path) -> list[Path]:
        to_dataset(conversations).save_to_disk(str(out))
        return [out]


class Parquet:
    output = "file"

    def write(self, conversations: Sequence[Conversation], out: Path) -> list[Path]:
        out.parent.mkdir(parents=True, exist_ok=True)
        to_dataset(conversations).to_parquet(str(out))
        return [out]
