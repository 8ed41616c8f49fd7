"""``simuser gap``: one assistant under several conditions (the question once, simulators); the reality gap."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser import defaults
from simuser.cli.common import console, parse_options
from simuser.cli.task_input import CountOpt, KeepGoingOpt, KnowledgeOpt, SuiteOpt, TasksOpt, resolve_tasks

Opt = typer.Option


def gap_command(
    tasks: TasksOpt = None,
    suite: SuiteOpt = None,
    tasks_count: CountOpt = None,
    conditions: Annotated[str, Opt(help="Comma-separated: original, a simulator name, or LABEL=NAME:KEY=VALUE.")] = "original,prompted,userlm",
    knowledge: KnowledgeOpt = None,
    keep_going: KeepGoingOpt = False,
    n: Annotated[int, Opt("--n", min=1, help="Conversations per task and condition.")] = defaults.N_PER_INTENT,
    max_turns: Annotated[int, Opt(min=1, help="User turns per conversation at most.")] = defaults.MAX_TURNS,
    seed: Annotated[int, Opt(help="Run seed (the same for every condition); also picks --tasks-count tasks.")] = defaults.SEED,
    concurrency: Annotated[int, Opt(min=1, help="Concurrent assistant calls.")] = defaults.CONCURRENCY,
    batch_size: Annotated[int, Opt(min=1, help="Conversations advanced together.")] = defaults.BATCH_SIZE,
    out: Annotated[Path | None, Opt("--out", "-o", help="Directory to write (default runs/gap-<time>).")] = None,
    simulator_option: Annotated[list[str] | None, Opt("--simulator-option", "-S", help="KEY=VALUE option for every simulated condition.")] = None,
    assistant: Annotated[str, Opt(help="Assistant backend under test.")] = defaults.DEFAULT_ASSISTANT,
    assistant_model: Annotated[str | None, Opt(help="Model of the assistant under test.")] = None,
    base_url: Annotated[str | None, Opt(help="OpenAI-compatible endpoint of the assistant.")] = None,
    api_key_env: Annotated[str | None, Opt(help="Environment variable holding the assistant's API key.")] = None,
    assistant_option: Annotated[list[str] | None, Opt("--assistant-option", "-A", help="KEY=VALUE assistant option.")] = None,
    report: Annotated[bool, Opt("--report/--no-report", help="Write report.html.")] = True,
    quiet: Annotated[bool, Opt("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Run one assistant on the same tasks under each condition and show how much rosier each looks."""
    import time

    from simuser.cli.simulate import _check_endpoint, _spec
    from simuser.tasks.reality_gap import gap

    chosen, mode = resolve_tasks(tasks, suite, tasks_count, seed, knowledge)
    spec = _spec(assistant, assistant_model, assistant_option, "--assistant-option", base_url=base_url, api_key_env=api_key_env)
    _check_endpoint(spec.options.get("base_url"))
    out = out or Path("runs") / time.strftime("gap-%Y%m%d-%H%M%S")
    console.print(f"[bold]simuser gap[/] {len(chosen)} tasks x {n} per condition ({conditions}), up to {max_turns} "
                  f"user turns; assistant: {assistant}; the user knows: {mode} -> {out}", soft_wrap=True)
    result = gap(chosen, conditions, assistant=spec, n=n, max_turns=max_turns, seed=seed, out=out, knowledge=mode,
                 stop_when_solved=not keep_going, batch_size=batch_size, concurrency=concurrency,
                 simulator_options=parse_options(simulator_option, "--simulator-option"),
                 progress=None if quiet else _progress)
    print_gap(result)
    if report:
        from simuser.report.assistant import write_gap_report

        console.print(f"report: {write_gap_report(result, out)}")
    console.print(f"written to {out} (gap.json, gap.md, one run directory per condition)")


def _progress(label: str):
    from simuser.engine.progress import RichProgress

    return RichProgress(f"{label:<12}")


def print_gap(result) -> None:
    """Rich tables on a terminal; the markdown of gap.md when piped (tables are never crushed to 80 columns)."""
    from simuser.tasks.gap_table import CONDITION_HEADERS, GAP_HEADERS, condition_rows, gap_rows, markdown

    if not console.is_terminal:
        typer.echo(markdown(result))
        return
    from simuser.demo.summary import rich_table

    title = f"success by condition ({len(result.tasks)} tasks x {result.n})"
    console.print(rich_table((CONDITION_HEADERS, condition_rows(result)), title))
    console.print(rich_table((GAP_HEADERS, gap_rows(result)), "paired gaps (first minus second)"))


def register(app: typer.Typer) -> None:
    app.command("gap")(gap_command)
