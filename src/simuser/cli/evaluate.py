"""``simuser evaluate``: the realism report card of a run or chat JSONL, next to a human reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser.cli.common import ThreadsOpt, console, parse_options

SourceArg = Annotated[Path, typer.Argument(help="Run directory, conversations.jsonl, or any chat JSONL.")]
ReferenceOpt = Annotated[Path | None, typer.Option(help="Chat JSONL of real conversations with intents (default: the shipped MTRAG-UN test split).")]
SeedOpt = Annotated[int | None, typer.Option(help="Sampling seed (default: the run's seed).")]
DetectorOpt = Annotated[str, typer.Option(help="Naturalness detector: offline, pangram (PANGRAM_API_KEY), or none.")]
SimulatorOpt = Annotated[str | None, typer.Option(help="Simulator for the probe metrics (default: the run's, with --probes).")]
SimulatorModelOpt = Annotated[str | None, typer.Option(help="Model of the probe simulator.")]
SimulatorOptionOpt = Annotated[list[str] | None, typer.Option("--simulator-option", "-S", help="KEY=VALUE probe simulator option.")]
ProbesOpt = Annotated[bool | None, typer.Option("--probes/--no-probes", help="Run termination/role/intent probes (default: only with --simulator).")]
ProbeLimitOpt = Annotated[int, typer.Option(min=1, help="Role and intent probes at most.")]
JudgeOpt = Annotated[str | None, typer.Option(help="Assistant backend used as an LLM judge for the probes.")]
JudgeModelOpt = Annotated[str | None, typer.Option(help="Model of the judge.")]
JudgeOptionOpt = Annotated[list[str] | None, typer.Option("--judge-option", help="KEY=VALUE judge option.")]
PerplexityOpt = Annotated[str | None, typer.Option(help="Local model whose perplexity on real user turns to report.")]


def evaluate_command(
    source: SourceArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for report.json and report.html.")],
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
    """Measure how human the simulated users behave, and write report.json + report.html."""
    from simuser.models.threads import apply_threads
    from simuser.report import write_report

    apply_threads(threads)

    options = evaluate_options(reference, seed, detector, simulator, simulator_model, simulator_option, probes,
                               probe_limit, judge, judge_model, judge_option, perplexity_model)
    evaluation = run_with_status(source, options)
    paths = write_report(evaluation, out)
    print_report(evaluation.to_json())
    console.print(f"wrote {paths['json']} and {paths['html']}")


def evaluate_options(reference, seed, detector, simulator, simulator_model, simulator_option, probes, probe_limit,
                     judge, judge_model, judge_option, perplexity_model):
    """The library options from the flags shared by evaluate and compare."""
    from simuser.metrics.evaluate import EvaluateOptions

    return EvaluateOptions(
        reference=reference, seed=seed, detector=detector, probes=probes, probe_limit=probe_limit,
        simulator=_spec(simulator, simulator_model, simulator_option, "--simulator-option"),
        judge=_spec(judge, judge_model, judge_option, "--judge-option"), perplexity_model=perplexity_model,
    )


def run_with_status(source: Path, options):
    from simuser.metrics.evaluate import evaluate_run

    with console.status(f"evaluating {source}") as status:
        options.progress = lambda label, done, total: status.update(f"evaluating {source}: {label} {done}/{total}")
        return evaluate_run(source, options)


def _spec(name: str | None, model: str | None, pairs: list[str] | None, flag: str):
    from simuser.schema import ComponentSpec

    if name is None:
        return None
    options = parse_options(pairs, flag)
    if model:
        options["model"] = model
    return ComponentSpec(name=name, options=options)


def print_report(report: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    from simuser.report.html import format_value

    table = Table(title="realism report card", title_justify="left")
    for column in ("metric", "run", "human reference"):
        table.add_column(column)
    for name, info in report["metric_info"].items():
        value = report["metrics"].get(name)
        shown = format_value(value, info["unit"]) if value is not None else "[dim]not computed[/]"
        human = format_value(report["reference"]["metrics"].get(name), info["unit"])
        table.add_row(escape(info["title"]), shown, human)
    console.print(table)
    for name, reason in report["not_computed"].items():
        console.print(f"[dim]{name}: {escape(reason)}[/]")


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
