"""``simuser simulate``: intents x N conversations between a user simulator and an assistant."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from simuser import defaults
from simuser.cli.common import (
    ApiKeyEnvOpt,
    AssistantModelOpt,
    AssistantOpt,
    AssistantOptionOpt,
    BaseUrlOpt,
    QuietOpt,
    SimulatorModelOpt,
    SimulatorOptionOpt,
    ThreadsOpt,
    console,
    parse_options,
)
from simuser.cli.task_input import CountOpt, KeepGoingOpt, KnowledgeOpt, SuiteOpt, TasksOpt
from simuser.errors import UserError

IntentsOpt = Annotated[Path | None, typer.Option("--intents", "-i", help="Goals: .txt (one per line) or .jsonl.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Run directory to write.")]
ResumeOpt = Annotated[Path | None, typer.Option("--resume", help="Continue the run in this directory.")]


def simulate_command(
    ctx: typer.Context,
    intents: IntentsOpt = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Conversations per intent.")] = defaults.N_PER_INTENT,
    max_turns: Annotated[int, typer.Option(min=1, help="User turns per conversation at most.")] = defaults.MAX_TURNS,
    seed: Annotated[int, typer.Option(help="Run seed; each conversation's seed derives from it.")] = defaults.SEED,
    concurrency: Annotated[int, typer.Option(min=1, help="Concurrent assistant calls.")] = defaults.CONCURRENCY,
    batch_size: Annotated[int, typer.Option(min=1, help="Conversations advanced together.")] = defaults.BATCH_SIZE,
    out: OutOpt = None,
    resume: ResumeOpt = None,
    simulator: Annotated[str, typer.Option(help="User simulator backend (see `simuser backends`).")] = defaults.DEFAULT_SIMULATOR,
    simulator_model: SimulatorModelOpt = None,
    simulator_option: SimulatorOptionOpt = None,
    assistant: AssistantOpt = defaults.DEFAULT_ASSISTANT,
    assistant_model: AssistantModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    assistant_option: AssistantOptionOpt = None,
    stop_on_tool: Annotated[list[str] | None, typer.Option("--stop-on-tool", help="End a conversation when the agent calls this tool (repeatable).")] = None,
    conversation_timeout: Annotated[float | None, typer.Option(min=0.001, help="Seconds a conversation may take; ends it as timed_out (checked after each exchange).")] = None,
    quiet: QuietOpt = False,
    ray: Annotated[str | None, typer.Option("--ray", help="Spread conversations over Ray workers: auto, or the cluster address.")] = None,
    ray_workers: Annotated[int | None, typer.Option(min=1, help="Ray workers (default: one per GPU, else one per CPU).")] = None,
    tasks: TasksOpt = None,
    suite: SuiteOpt = None,
    tasks_count: CountOpt = None,
    knowledge: KnowledgeOpt = None,
    keep_going: KeepGoingOpt = False,
    threads: ThreadsOpt = None,
    population: Annotated[Path | None, typer.Option("--population", help="Personas (YAML list or JSONL of name, weight, description, attributes); one drawn per conversation from its seed.")] = None,
) -> None:
    """Simulate users against an assistant and store every conversation in a run directory."""
    from simuser.models.threads import resolve_threads

    if resume is not None:
        given = _given_flags(ctx)
        config = _resumed_config(resume, {k: v for k, v in locals().items() if k in given})
        config = config.model_copy(update={"threads": threads or config.threads})  # speed only: may change
    else:
        task_flags = {"tasks": tasks, "suite": suite, "count": tasks_count, "knowledge": knowledge}
        config = _new_config(
            intents, out, task_flags, stop_when_solved=not keep_going, n=n, max_turns=max_turns, seed=seed,
            concurrency=concurrency, batch_size=batch_size, stop_on_tool=stop_on_tool or [],
            threads=resolve_threads(threads),
            conversation_timeout_s=conversation_timeout,
            population=_population(population),
            simulator=_spec(simulator, simulator_model, simulator_option, "--simulator-option"),
            assistant=_spec(assistant, assistant_model, assistant_option, "--assistant-option",
                            base_url=base_url, api_key_env=api_key_env),
        )
    from simuser.engine.components import check_names

    check_names(config)
    _check_endpoint(config.assistant.options.get("base_url"))
    _print_plan(config)
    result = _run(config, ray, ray_workers, progress=not quiet, resume=resume is not None)
    print_summary(result.summary)
    if _is_task_run(config):
        from simuser.cli.score import print_score
        from simuser.tasks import score

        print_score(score(result.conversations), str(config.out))


def _run(config, ray: str | None, ray_workers: int | None, **kwargs: Any):
    """The engine on this machine, or spread over a Ray cluster (``--ray``)."""
    if ray is None:
        from simuser.engine import simulate

        if _is_task_run(config):
            from simuser.tasks import simulate_tasks

            return simulate_tasks(config, **kwargs)
        return simulate(config, **kwargs)
    from simuser.engine.ray_runner import RayOptions, simulate_ray

    options = RayOptions(address=ray, workers=ray_workers)
    if _is_task_run(config):
        from simuser.tasks.run import simulate_tasks_ray

        return simulate_tasks_ray(config, options, **kwargs)
    return simulate_ray(config, options, **kwargs)


def _spec(name: str, model: str | None, pairs: list[str] | None, flag: str, **extra: Any):
    from simuser.schema import ComponentSpec

    options = parse_options(pairs, flag)
    if model:
        options["model"] = model
    options.update({k: v for k, v in extra.items() if v is not None})
    return ComponentSpec(name=name, options=options)


def _is_task_run(config) -> bool:
    return any("task" in intent.metadata for intent in config.intents)


def _new_config(intents: Path | None, out: Path | None, task_flags: dict[str, Any], **fields: Any):
    from simuser.engine import RunConfig
    from simuser.engine.intent_files import load_intents

    if task_flags["tasks"] is not None or task_flags["suite"] is not None:
        return _task_config(intents, out, task_flags, **fields)
    if intents is None:
        raise UserError("no intents: pass --intents FILE (one goal per line), or --resume RUN_DIR")
    if out is None:
        out = Path("runs") / intents.stem
    return RunConfig(intents=load_intents(intents), out=out, **fields)


def _task_config(intents: Path | None, out: Path | None, task_flags: dict[str, Any], **fields: Any):
    from simuser.cli.task_input import resolve_tasks
    from simuser.tasks import task_config

    if intents is not None:
        raise UserError("pass --intents or --tasks/--suite, not both: a task run takes its intents from the tasks")
    tasks, knowledge = resolve_tasks(task_flags["tasks"], task_flags["suite"], task_flags["count"], fields["seed"],
                                     task_flags["knowledge"])
    name = task_flags["tasks"].stem if task_flags["tasks"] is not None else task_flags["suite"]
    return task_config(tasks, knowledge, out=out or Path("runs") / name, **fields)


def _population(path: Path | None):
    from simuser.population import load_population

    return load_population(path) if path is not None else None


def _given_flags(ctx: typer.Context) -> set[str]:
    """Parameters set on the command line (or through the environment), not left at their defaults."""
    return {name for name in ctx.params if (source := ctx.get_parameter_source(name)) is not None
            and source.name in ("COMMANDLINE", "ENVIRONMENT")}


def _resumed_config(run_dir: Path, given: dict[str, Any]):
    """The stored config, with the flags given again laid over it; the engine refuses any real change."""
    from pydantic import ValidationError

    from simuser.engine import RunConfig
    from simuser.engine.resume import check_same_config
    from simuser.store import RunStore
    from simuser.store.inputs import validation_line

    store = RunStore(run_dir)
    stored = store.load_manifest().config
    store.conversations()  # a damaged record is refused now, before any model loads
    fields = {**stored, **{k: given[k] for k in _SCALAR_FLAGS if k in given}, "out": str(run_dir)}
    task_flags = sorted({"tasks", "suite", "tasks_count", "knowledge"} & set(given))
    if task_flags:
        raise UserError(f"--resume {run_dir}: the tasks of a run are stored with it; drop {', '.join(task_flags)} "
                        f"and resume with --resume {run_dir}")
    if "keep_going" in given:
        fields["stop_when_solved"] = not given["keep_going"]
    if "stop_on_tool" in given:
        fields["stop_on_tool"] = given["stop_on_tool"] or []
    if "conversation_timeout" in given:
        fields["conversation_timeout_s"] = given["conversation_timeout"]
    if "intents" in given:
        fields["intents"] = [i.model_dump(mode="json") for i in _load(given["intents"])]
    fields["simulator"] = _respec(stored.get("simulator"), given, "simulator", "--simulator-option")
    fields["assistant"] = _respec(stored.get("assistant"), given, "assistant", "--assistant-option",
                                  base_url=given.get("base_url"), api_key_env=given.get("api_key_env"))
    try:
        config = RunConfig.model_validate(fields)
    except ValidationError as exc:
        raise validation_line(exc, store.manifest_path, None, "run config") from None
    check_same_config(stored, config.model_dump(mode="json"), str(run_dir))
    return config


_SCALAR_FLAGS = ("n", "max_turns", "seed", "concurrency", "batch_size")


def _respec(stored: Any, given: dict[str, Any], side: str, flag: str, **extra: Any) -> Any:
    """A stored component spec with the name, model and options given on this command line applied."""
    spec = dict(stored) if isinstance(stored, dict) else {"name": getattr(defaults, f"DEFAULT_{side.upper()}")}
    options = dict(spec.get("options") or {})
    options.update(parse_options(given.get(f"{side}_option"), flag))
    if given.get(f"{side}_model"):
        options["model"] = given[f"{side}_model"]
    options.update({k: v for k, v in extra.items() if v is not None})
    return {**spec, "name": given.get(side, spec.get("name")), "options": options}


def _load(path: Path):
    from simuser.engine.intent_files import load_intents

    return load_intents(path)


def _check_endpoint(base_url: str | None) -> None:
    if not base_url:
        return
    import asyncio

    from simuser.models.http import check_reachable

    asyncio.run(check_reachable(base_url))


def _print_plan(config) -> None:
    total = len(config.intents) * config.n
    console.print(
        f"[bold]simuser[/] {total} conversations ({len(config.intents)} intents x {config.n}), "
        f"up to {config.max_turns} user turns -> {config.out}"
    )
    simulator, model = config.simulator.name, config.simulator.options.get("model")
    if simulator == defaults.PROMPTED_BASELINE:
        console.print(
            "[dim]simulator: the prompted baseline (an instruction model told to act as a user). "
            "It is what most tools do and overestimates assistants; prefer a UserLM-format model "
            "(--simulator userlm, the default).[/]"
        )
    elif simulator == "userlm" and model in (None, defaults.DEFAULT_USER_MODEL):
        adapter = config.simulator.options.get("adapter")
        what = (f"SmolLM2-135M with the adapter {adapter}" if adapter
                else "simuser's small user model (SmolLM2-135M trained on MTRAG-UN users, offline)")
        console.print(
            f"[dim]simulator: {escape(what)}. "
            "For the most realistic users: --simulator-model microsoft/UserLM-8b on a GPU.[/]"
        )


def print_summary(summary) -> None:
    from rich.table import Table

    table = Table(title="run summary", show_header=False, title_justify="left")
    table.add_row("conversations", str(summary.conversations))
    table.add_row("user turns", str(summary.user_turns))
    for reason, count in summary.end_reasons.items():
        table.add_row(f"ended: {reason}", str(count))
    table.add_row("time", f"{summary.elapsed_s:.1f} s")
    table.add_row("simulator", summary.simulator)
    table.add_row("assistant", summary.assistant)
    table.add_row("written to", summary.run_dir or "-")
    console.print(table)
    if summary.interrupted:
        console.print(f"[yellow]interrupted[/]: continue with simuser simulate --resume {summary.run_dir}")


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
