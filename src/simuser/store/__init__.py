"""Where conversations live: run directories, and plain chat JSONL in and out.

:func:`read_conversations` is the one entry point for metrics, reports and replay: give it a run
directory, a ``conversations.jsonl`` of simuser records, or any chat JSONL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from simuser.errors import UserError
from simuser.schema import ComponentSpec, Conversation
from simuser.store.chat_jsonl import conversation_to_chat, parse_line, write_chat_jsonl
from simuser.store.run_store import CONVERSATIONS_FILE, RUN_FILE, RunManifest, RunStore

__all__ = [
    "CONVERSATIONS_FILE",
    "RUN_FILE",
    "RunManifest",
    "RunStore",
    "conversation_to_chat",
    "import_chat_logs",
    "read_conversations",
    "write_chat_jsonl",
]


def read_conversations(path: Path | str) -> list[Conversation]:
    """Conversations from a run directory or a JSONL file (simuser records or plain chat)."""
    path = Path(path)
    if path.is_dir():
        if not (path / CONVERSATIONS_FILE).exists():
            raise UserError(f"{path} has no {CONVERSATIONS_FILE}; pass a run directory or a chat JSONL file")
        path = path / CONVERSATIONS_FILE
    if not path.exists():
        raise UserError(f"{path} does not exist; pass a run directory or a chat JSONL file")
    return _read_jsonl(path)


def _read_jsonl(path: Path) -> list[Conversation]:
    conversations = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if not line.endswith("\n") and path.name == CONVERSATIONS_FILE:
                continue  # a torn last line from a crash: the conversation will be redone on --resume
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise UserError(f"{path}:{number}: not valid JSON; fix or remove that line") from None
            conversations.append(parse_line(record, path, number))
    return conversations


def import_chat_logs(
    logs: Path | str, out: Path | str, reader: Callable[[Path], list[Conversation]] | None = None
) -> list[Conversation]:
    """Turn chat JSONL logs (or another format, read by ``reader``) into a new run directory ``out``."""
    conversations = (reader or read_conversations)(Path(logs))
    store = RunStore(Path(out))
    manifest = store.create({"imported_from": str(logs)})
    for conversation in conversations:
        conversation.run_id = manifest.run_id
        conversation.simulator = conversation.simulator or ComponentSpec(name="imported", description=str(logs))
        store.append(conversation)
    return conversations
