"""``simuser survey``: a questionnaire answered by simulated respondents, n per persona."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simuser import defaults
from simuser.cli.common import JudgeOptionOpt, QuietOpt, SimulatorModelOpt, SimulatorOptionOpt, console


def survey_command(
    questionnaire: Annotated[Path, typer.Argument(help="Questionnaire YAML (topic, items: open / likert / choice).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the run and the survey files.")],
    population: Annotated[Path | None, typer.Option("--population", help="Personas (YAML/JSONL); n respondents each.")] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Respondents per persona.")] = 10,
    seed: Annotated[int, typer.Option(help="Run seed.")] = defaults.SEED,
    simulator: Annotated[str, typer.Option(help="User simulator answering the survey.")] = defaults.DEFAULT_SIMULATOR,
    simulator_model: SimulatorModelOpt = None,
    simulator_option: SimulatorOptionOpt = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Conversations advanced together.")] = defaults.BATCH_SIZE,
    quiet: QuietOpt = False,
    judge: Annotated[str | None, typer.Option("--judge", help="Map answers the rule leaves unmapped with this chat model.")] = None,
    judge_option: JudgeOptionOpt = None,
) -> None:
    """Ask a questionnaire of simulated respondents; write answers.csv, distributions.csv, survey.json/html."""
    from rich.table import Table

    from simuser.cli.simulate import _spec
    from simuser.population import load_population
    from simuser.survey import load_questionnaire, run_survey, write_survey_reports
    from simuser.survey.report import summary_table

    form = load_questionnaire(questionnaire)
    personas = load_population(population) if population else None
    spec = _spec(simulator, simulator_model, simulator_option, "--simulator-option")
    from simuser.users import simulators

    simulators.check(spec.name)
    judge_spec = _spec(judge, None, judge_option, "--judge-option") if judge else None
    result = run_survey(form, spec, personas, n=n, seed=seed, out=out, batch_size=batch_size, progress=not quiet,
                        judge=judge_spec)
    paths = write_survey_reports(result, form, out)
    table = Table("item", "segment", "answered", "unmapped", "mean / most chosen", title=f"survey: {form.topic}")
    for row in summary_table(result.distributions, form):
        table.add_row(*row)
    console.print(table)
    console.print(f"files: {', '.join(str(p) for p in paths.values())}")


def register(app: typer.Typer) -> None:
    app.command("survey")(survey_command)
