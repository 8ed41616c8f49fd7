"""Where conversations live: run directories, and plain chat JSONL in and out.

:func:`read_conversations` is the one entry point for metrics, reports and replay: give it a run
directory, a ``conversations.jsonl`` of simuser records, or any chat JSONL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from simuser.errors import UserError
from simuser.schema import ComponentSpec, Conversation
from simuser.store.chat_jsonl import conversation_to_chat, parse_line, write_chat_jsonl
from simuser.store.inputs import check_file, json_lines
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


def read_conversations(path: Path | str, *, allow_empty: bool = True) -> list[Conversation]:
    """Conversations from a run directory or a JSONL file (simuser records or plain chat).

    Every line is checked (see :mod:`simuser.store.inputs`): a broken one is one :class:`UserError`
    naming the file, the line and the fix. Only the torn last line a crash leaves in a run's own
    ``conversations.jsonl`` is skipped (``--resume`` redoes that conversation).
    """
    path = Path(path)
    if path.is_dir():
        if not (path / CONVERSATIONS_FILE).exists() and not (path / RUN_FILE).exists():
            raise UserError(f"{path} has no {CONVERSATIONS_FILE}; pass a run directory or a chat JSONL file")
        check_run_manifest(path)
        if not (path / CONVERSATIONS_FILE).exists():  # a run stopped before its first conversation finished
            return _none_or_refuse(path, allow_empty)
        path = path / CONVERSATIONS_FILE
    check_file(path, "conversations file", "pass a run directory or a chat JSONL file")
    torn_tail_ok = path.name == CONVERSATIONS_FILE
    conversations = [parse_line(record, path, number) for number, record in json_lines(path, torn_tail_ok=torn_tail_ok)]
    if not conversations and not allow_empty:
        raise UserError(f"{path} holds no conversations; pass a file with one conversation per line (see docs/schema.md)")
    return conversations


def _none_or_refuse(path: Path, allow_empty: bool) -> list[Conversation]:
    if not allow_empty:
        raise UserError(f"{path} holds no conversations yet; finish it with simuser simulate --resume {path}")
    return []


def check_run_manifest(run_dir: Path) -> None:
    """A run directory's run.json, when it has one, must be readable by this simuser."""
    store = RunStore(run_dir)
    if store.exists():
        store.load_manifest()


def import_chat_logs(
    logs: Path | str, out: Path | str, reader: Callable[[Path], list[Conversation]] | None = None
) -> list[Conversation]:
    """Turn chat JSONL logs (or another format, read by ``reader``) into a new run directory ``out``.

    Every line is checked before a byte is written; the run is written under its lock.
    """
    from simuser.store.atomic import refuse_overwrite

    logs, out = Path(logs), Path(out)
    refuse_overwrite(out / CONVERSATIONS_FILE, [logs], "--out")
    conversations = reader(logs) if reader else read_conversations(logs, allow_empty=False)
    if not conversations:
        raise UserError(f"{logs} holds no conversations; pass a file with one conversation per line (see docs/schema.md)")
    store = RunStore(out)
    if store.exists():
        raise UserError(f"{out} already holds a run; choose another --out")
    store.acquire()
    try:
        manifest = store.create({"imported_from": str(logs)})
        for conversation in conversations:
            conversation.run_id = manifest.run_id
            conversation.simulator = conversation.simulator or ComponentSpec(name="imported", description=str(logs))
            store.append(conversation)
    finally:
        store.release()
    return conversations
