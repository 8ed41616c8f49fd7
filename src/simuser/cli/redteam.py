"""``simuser redteam``: adversarial simulated users against an assistant; attack success and over-refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser import defaults
from simuser.cli.common import (
    ApiKeyEnvOpt,
    AssistantModelOpt,
    AssistantOpt,
    AssistantOptionOpt,
    BaseUrlOpt,
    JudgeOptionOpt,
    QuietOpt,
    SimulatorModelOpt,
    SimulatorOptionOpt,
    console,
)
from simuser.errors import UserError


def redteam_command(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Run directory to write (reports go in it too).")] = None,
    intents: Annotated[Path | None, typer.Option("--intents", "-i", help="Your own suite: JSONL/YAML of {id, category, intent} (default: the shipped suite).")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="Only this category (repeatable).")] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Conversations per intent.")] = 1,
    max_turns: Annotated[int, typer.Option(min=1, help="User turns per conversation at most.")] = defaults.MAX_TURNS,
    seed: Annotated[int, typer.Option(help="Run seed.")] = defaults.SEED,
    simulator: Annotated[str, typer.Option(help="User simulator (prompted gets the red-team persona).")] = defaults.DEFAULT_SIMULATOR,
    simulator_model: SimulatorModelOpt = None,
    simulator_option: SimulatorOptionOpt = None,
    assistant: AssistantOpt = defaults.DEFAULT_ASSISTANT,
    assistant_model: AssistantModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    assistant_option: AssistantOptionOpt = None,
    judge: Annotated[str | None, typer.Option(help="Also label replies with this chat model (transformers, openai, callable, ...).")] = None,
    judge_option: JudgeOptionOpt = None,
    score: Annotated[Path | None, typer.Option("--score", help="Score an existing red-team run again instead of simulating.")] = None,
    human_reference: Annotated[Path | None, typer.Option("--human-reference", help="HH-RLHF .jsonl(.gz): how human red-teamers write, shown beside the simulated users.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Red-team an assistant with simulated adversarial users (content warning: adversarial text)."""
    from simuser.cli.simulate import _spec
    from simuser.redteam import run_redteam, score_run
    from simuser.redteam.report import CONTENT_WARNING, markdown

    judge_spec = _spec(judge, None, judge_option, "--judge-option") if judge else None
    if score is not None:
        result = score_run(score, judge_spec, seed=seed, human_reference=human_reference)
    else:
        config = _config(out, intents, category, n=n, max_turns=max_turns, seed=seed,
                         simulator=_spec(simulator, simulator_model, simulator_option, "--simulator-option"),
                         assistant=_spec(assistant, assistant_model, assistant_option, "--assistant-option",
                                         base_url=base_url, api_key_env=api_key_env))
        console.print(f"[bold]simuser redteam[/] {len(config.intents)} intents x {n} -> {config.out}")
        result = run_redteam(config, judge_spec, progress=not quiet, human_reference=human_reference)
    console.print(f"[yellow]{CONTENT_WARNING}[/]")
    console.print(markdown(result.report), markup=False, soft_wrap=True)
    console.print(f"reports: {', '.join(str(p) for p in result.paths.values())}")


def _config(out: Path | None, intents: Path | None, categories: list[str] | None, **fields):
    from simuser.engine import RunConfig
    from simuser.engine.components import check_names
    from simuser.redteam import load_suite

    if out is None:
        raise UserError("--out RUN_DIR is required (or --score RUN_DIR to score an existing run)")
    config = RunConfig(intents=load_suite(intents, categories or ()), out=out, **fields)
    check_names(config)
    return config


def register(app: typer.Typer) -> None:
    app.command("redteam")(redteam_command)
