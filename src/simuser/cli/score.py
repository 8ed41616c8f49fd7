"""``simuser score RUN``: how the assistant fared in a task run, from the run's records alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import console


def score_command(
    run: Annotated[Path, typer.Argument(help="Run directory (or conversations JSONL) of a task run.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (success_rate at the top level).")] = False,
) -> None:
    """Success per conversation, per task and per run, with its 95% interval."""
    from simuser.tasks import score

    result = score(run)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    print_score(result, str(run))


def print_score(result, title: str) -> None:
    from rich.table import Table

    from simuser.tasks.gap_table import interval_text, pct

    table = Table(title=f"assistant score: {title}", show_header=False, title_justify="left")
    rows = [
        ("success (95% CI)", f"{interval_text(result.success)}  ({len(result.tasks)} tasks x {result.n})"),
        ("final reply passes", pct(result.final_pass_rate)),
        ("turns to success", "-" if result.mean_turns_to_success is None else f"{result.mean_turns_to_success:.2f}"),
        ("user turns", f"{result.user_turns:.2f}"),
        ("words per user turn", f"{result.words_per_turn:.1f}"),
        ("intent coverage", pct(result.coverage)),
        ("check errors", str(result.check_errors)),
        *((f"ended: {reason}", str(count)) for reason, count in result.end_reasons.items()),
    ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    print_tasks(result)


def print_tasks(result, limit: int = 30) -> None:
    """The tasks solved least often first (all of them with --json)."""
    from rich.table import Table

    table = Table(title=f"per task (least solved first, up to {limit}; all with --json)", title_justify="left")
    for name in ("task", "solved", "conversations", "success"):
        table.add_column(name, justify="left" if name == "task" else "right")
    for task in sorted(result.tasks, key=lambda t: (t.success_rate, t.task_id))[:limit]:
        table.add_row(task.task_id, str(task.solved), str(task.conversations), f"{100 * task.success_rate:.0f}%")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("score")(score_command)
