"""``simuser export`` / ``simuser import``: conversations out of (as training data, simuser.export; or DeepEval test cases) and into run directories."""

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
    run: Annotated[Path, typer.Argument(help="Run directory (or a conversations JSONL).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (a directory for --format hf).")],
    format: Annotated[str, typer.Option("--format", "-f", help="chat-jsonl, openai-finetune, sharegpt, hf, parquet (docs/export.md), or deepeval.")] = "chat-jsonl",
    where: Annotated[list[str] | None, typer.Option("--where", help="KEY=VALUE on the conversation record, e.g. end_reason=user_ended (repeatable).")] = None,
    solved_only: Annotated[bool, typer.Option("--solved-only", help="Only conversations a task check marked solved (no-op in runs without checks).")] = False,
    min_turns: Annotated[int, typer.Option("--min-turns", min=0, help="Only conversations with at least this many user turns.")] = 0,
    persona: Annotated[list[str] | None, typer.Option("--persona", help="Only conversations of this persona (repeatable).")] = None,
    dedup: Annotated[str, typer.Option("--dedup", help="Drop duplicate user sides: none, exact, or near (exact + Jaccard of word 3-grams >= --near-threshold).")] = "none",
    near_threshold: Annotated[float, typer.Option("--near-threshold", min=0.0, max=1.0, help="Jaccard similarity at which --dedup near drops a conversation.")] = 0.9,
    card: Annotated[bool, typer.Option("--card/--no-card", help="Write a dataset card (README.md) next to the data.")] = True,
    push_to_hub: Annotated[str | None, typer.Option("--push-to-hub", help="Also upload to this Hugging Face dataset repo (needs network and HF_TOKEN).")] = None,
) -> None:
    """Write a run's conversations as training data, filtered and de-duplicated, with a dataset card."""
    from simuser.export import ExportFilters, export_run
    from simuser.store import CONVERSATIONS_FILE, RUN_FILE
    from simuser.store.atomic import refuse_overwrite

    refuse_overwrite(out, [run, run / CONVERSATIONS_FILE, run / RUN_FILE], "--out")

    if format in FORMATS:  # DeepEval test cases (simuser.integrations), written by their own function
        conversations = _format_function(format, 0)
        from simuser.store import read_conversations

        items = read_conversations(run)
        conversations(items, out)
        console.print(f"{len(items)} conversations -> {out}")
        return
    filters = ExportFilters(where=ExportFilters.parse_where(where or []), solved_only=solved_only,
                            min_turns=min_turns, personas=list(persona or []))
    result = export_run(run, out, format, filters, dedup=dedup, near_threshold=near_threshold, card=card,
                        push_to_hub=push_to_hub)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    dropped = {k: v for k, v in result.filters.dropped.items() if v}
    console.print(f"{result.exported} of {result.total} conversations -> {out}"
                  + (f" (filters dropped {dropped})" if dropped else "")
                  + (f" (duplicates dropped: {result.dedup.exact} exact, {result.dedup.near} near)" if dedup != "none" else ""))
    if result.card is not None:
        console.print(f"dataset card -> {result.card}")


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
