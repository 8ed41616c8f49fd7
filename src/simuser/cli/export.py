"""``simuser export`` / ``simuser import``: plain chat JSONL (or DeepEval test cases) out of and into run directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import console
from simuser.errors import UserError

#: Formats beside chat JSONL: name -> (writer, reader) as "module:function" (imported on use).
FORMATS = {
    "deepeval": ("simuser.integrations.deepeval:write_deepeval", "simuser.integrations.deepeval:read_deepeval"),
}
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="chat-jsonl, or deepeval (ConversationalTestCase JSON).")]


def export_command(
    run: Annotated[Path, typer.Argument(help="Run directory.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: FormatOpt = "chat-jsonl",
) -> None:
    """Write a run as chat JSONL ({"intent": ..., "messages": [OpenAI messages]} per line) or DeepEval test cases."""
    from simuser.store import CONVERSATIONS_FILE, RUN_FILE, read_conversations, write_chat_jsonl
    from simuser.store.atomic import refuse_overwrite

    refuse_overwrite(out, [run, run / CONVERSATIONS_FILE, run / RUN_FILE], "--out")
    conversations = read_conversations(run)
    writer = write_chat_jsonl if fmt == "chat-jsonl" else _format_function(fmt, 0)
    writer(conversations, out)
    console.print(f"{len(conversations)} conversations -> {out}")


def _format_function(name: str, index: int):
    import importlib

    if name not in FORMATS:
        raise UserError(f"unknown format '{name}'; choose chat-jsonl or {', '.join(FORMATS)}")
    module, _, function = FORMATS[name][index].partition(":")
    return getattr(importlib.import_module(module), function)


def import_command(
    logs: Annotated[Path, typer.Argument(help="Chat JSONL file (your own logs), or DeepEval test cases with --format deepeval.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory to create.")],
    fmt: FormatOpt = "chat-jsonl",
) -> None:
    """Turn chat JSONL logs (or DeepEval test cases) into a run directory that `show`, `evaluate` and `replay` read."""
    from simuser.store import import_chat_logs

    conversations = import_chat_logs(logs, out, None if fmt == "chat-jsonl" else _format_function(fmt, 1))
    console.print(f"{len(conversations)} conversations -> {out}")


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("import")(import_command)
