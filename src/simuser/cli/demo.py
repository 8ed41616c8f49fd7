"""``simuser demo``: the medical RAG assistant over PubMedQA, tested with simulated users (offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser import defaults
from simuser.cli.common import ThreadsOpt, console, parse_options

Opt = typer.Option


def demo_command(
    intents_count: Annotated[int, Opt(min=1, max=1000, help="PubMedQA items to build intents from.")] = 6,
    n: Annotated[int, Opt("--n", min=1, help="Simulated conversations per intent.")] = defaults.N_PER_INTENT,
    max_turns: Annotated[int, Opt(min=1, help="User turns per simulated conversation at most.")] = 3,
    seed: Annotated[int, Opt(help="Picks the items and seeds every conversation.")] = defaults.SEED,
    out: Annotated[Path | None, Opt("--out", "-o", help="Directory to write (default runs/demo-<time>).")] = None,
    simulator: Annotated[str, Opt(help="Simulator of condition (b).")] = defaults.PROMPTED_BASELINE,
    simulator_model: Annotated[str | None, Opt(help="Model of the (b) simulator.")] = None,
    simulator_option: Annotated[list[str] | None, Opt("--simulator-option", "-S", help="KEY=VALUE (b) simulator option.")] = None,
    userlm_model: Annotated[str | None, Opt(help="UserLM-format model or adapter for condition (c).")] = None,
    userlm: Annotated[bool, Opt("--userlm/--no-userlm", help="Run condition (c) when a UserLM-format model is available.")] = True,
    assistant: Annotated[str, Opt(help="Assistant under test.")] = "rag",
    assistant_model: Annotated[str | None, Opt(help="Generator model (default: the embedded SmolLM2).")] = None,
    assistant_base_url: Annotated[str | None, Opt(help="OpenAI-compatible endpoint for the generator.")] = None,
    assistant_api_key_env: Annotated[str | None, Opt(help="Variable holding the generator endpoint's key.")] = None,
    embedder: Annotated[str, Opt(help="'minilm', a sentence-transformers model, 'hashing', or the endpoint's model.")] = "minilm",
    embedding_base_url: Annotated[str | None, Opt(help="OpenAI-compatible /embeddings endpoint.")] = None,
    embedding_api_key_env: Annotated[str | None, Opt(help="Variable holding the embeddings endpoint's key.")] = None,
    query_mode: Annotated[str, Opt(help="Retrieval query: 'concat' (user turns so far) or 'last'.")] = "concat",
    judge_base_url: Annotated[str | None, Opt(help="Endpoint of an optional LLM stance judge.")] = None,
    judge_model: Annotated[str | None, Opt(help="Model of the LLM stance judge.")] = None,
    judge_api_key_env: Annotated[str | None, Opt(help="Variable holding the judge's key.")] = None,
    report: Annotated[bool, Opt("--report/--no-report", help="Write report.html for the simulated runs.")] = True,
    quiet: Annotated[bool, Opt("--quiet", "-q", help="No progress bars.")] = False,
    threads: ThreadsOpt = None,
) -> None:
    """Test a PubMedQA RAG assistant with simulated users and show the reality gap."""
    flags = {k: v for k, v in locals().items() if k not in ("quiet", "simulator_option", "threads")}
    from simuser.models.threads import apply_threads

    apply_threads(threads)
    from simuser.cli.progress import RichDemoProgress
    from simuser.demo import DemoConfig, run_demo

    config = DemoConfig(**flags, simulator_options=parse_options(simulator_option, "--simulator-option"))
    check_endpoints(config)
    console.print(f"[bold]simuser demo[/] {intents_count} PubMedQA intents x {n}, up to {max_turns} user turns; "
                  f"assistant: {assistant} ({embedder} retrieval, query mode {query_mode})")
    print_result(run_demo(config, progress=None if quiet else RichDemoProgress()))


def check_endpoints(config) -> None:
    """One line now, instead of a run full of errors, when an endpoint flag points at nothing."""
    import asyncio

    from simuser.models.http import check_reachable

    for flag in ("assistant_base_url", "embedding_base_url", "judge_base_url"):
        url = getattr(config, flag)
        if url:
            asyncio.run(check_reachable(url, flag="--" + flag.replace("_", "-")))


def print_result(result) -> None:
    from simuser.demo.summary import SUMMARY_MD, gap_rows, retrieval_rows

    tables = [(gap_rows(result.gap), "reality gap: the same assistant under different users")]
    if result.task_gap is not None:
        from simuser.tasks.gap_table import CONDITION_HEADERS, GAP_HEADERS, condition_rows
        from simuser.tasks.gap_table import gap_rows as paired_rows

        tables += [((CONDITION_HEADERS, condition_rows(result.task_gap)), "success: a reply with the gold label (95% CI)"),
                   ((GAP_HEADERS, paired_rows(result.task_gap)), "paired gaps (first minus second)")]
    tables.append((retrieval_rows(result.retrieval), "retrieval: rank of the gold abstract per user turn"))
    for table, title in tables:
        print_table(table, title)
    for name, why in result.skipped.items():
        console.print(f"[yellow]condition '{name}' skipped[/]: {why}")
    for name, where in result.reports.items():
        console.print(f"report ({name}): {where}")
    timings = ", ".join(f"{k} {v:.0f}s" for k, v in result.timings.items())
    console.print(f"written to {result.out} (summary: {result.out / SUMMARY_MD}); times: {timings}")


def print_table(table, title: str) -> None:
    """A rich table on a terminal; markdown when piped, so a file or CI log gets every column whole."""
    from simuser.demo.summary import markdown_table, rich_table

    if console.is_terminal:
        console.print(rich_table(table, title))
    else:
        typer.echo(f"{title}\n\n{markdown_table(table)}\n")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
