"""``simuser export`` / ``simuser import``: plain chat JSONL out of and into run directories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import console


def export_command(
    run: Annotated[Path, typer.Argument(help="Run directory.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Chat JSONL file to write.")],
) -> None:
    """Write a run as chat JSONL: {"intent": ..., "messages": [OpenAI messages]} per line."""
    from simuser.store import read_conversations, write_chat_jsonl

    conversations = read_conversations(run)
    write_chat_jsonl(conversations, out)
    console.print(f"{len(conversations)} conversations -> {out}")


def import_command(
    logs: Annotated[Path, typer.Argument(help="Chat JSONL file (your own logs).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory to create.")],
) -> None:
    """Turn chat JSONL logs into a run directory that `show`, `evaluate` and `replay` read."""
    from simuser.store import import_chat_logs

    conversations = import_chat_logs(logs, out)
    console.print(f"{len(conversations)} conversations -> {out}")


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("import")(import_command)
