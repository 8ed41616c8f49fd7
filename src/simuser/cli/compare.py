"""``simuser compare``: several runs' realism metrics side by side, with the human reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import ThreadsOpt, console
from simuser.cli.evaluate import (
    DetectorOpt,
    JudgeModelOpt,
    JudgeOpt,
    JudgeOptionOpt,
    PerplexityOpt,
    ProbeLimitOpt,
    ProbesOpt,
    ReferenceOpt,
    SeedOpt,
    SimulatorModelOpt,
    SimulatorOpt,
    SimulatorOptionOpt,
    evaluate_options,
)
from simuser.errors import UserError


def compare_command(
    runs: Annotated[list[Path], typer.Argument(help="Two or more run directories or chat JSONL files.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Directory for compare.json and compare.html.")] = None,
    reference: ReferenceOpt = None,
    seed: SeedOpt = None,
    detector: DetectorOpt = "offline",
    simulator: SimulatorOpt = None,
    simulator_model: SimulatorModelOpt = None,
    simulator_option: SimulatorOptionOpt = None,
    probes: ProbesOpt = None,
    probe_limit: ProbeLimitOpt = 50,
    judge: JudgeOpt = None,
    judge_model: JudgeModelOpt = None,
    judge_option: JudgeOptionOpt = None,
    perplexity_model: PerplexityOpt = None,
    threads: ThreadsOpt = None,
) -> None:
    """Put simulators side by side: every run evaluated the same way against the same reference."""
    from simuser.models.threads import apply_threads
    from simuser.report import compare_runs, write_comparison

    apply_threads(threads)

    if len(runs) < 2:
        raise UserError("compare needs two or more runs; for one run use `simuser evaluate RUN --out DIR`")
    options = evaluate_options(reference, seed, detector, simulator, simulator_model, simulator_option, probes,
                               probe_limit, judge, judge_model, judge_option, perplexity_model)
    with console.status(f"evaluating {len(runs)} runs"):
        comparison = compare_runs(runs, options)
    print_comparison(comparison.table())
    if out is not None:
        paths = write_comparison(comparison, out)
        console.print(f"wrote {paths['json']} and {paths['html']}")


def print_comparison(table: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    grid = Table(title="simulators side by side", title_justify="left")
    grid.add_column("metric")
    for run in table["runs"]:
        grid.add_column(escape(run["label"]))
    grid.add_column("human reference")
    for row in table["rows"]:
        grid.add_row(escape(row["title"]), *[c["text"] for c in row["cells"]], row["reference"])
    console.print(grid)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
