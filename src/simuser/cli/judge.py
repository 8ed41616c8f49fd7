"""``simuser judge``: which candidate reply would a (simulated) user be happy with?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from simuser import defaults
from simuser.cli.common import JudgeOptionOpt, SimulatorModelOpt, SimulatorOptionOpt, console


def judge_command(
    candidates: Annotated[Path, typer.Argument(help="JSONL: {id, intent?, messages (ending with a user turn), candidates}.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for judge.json and reactions.jsonl.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Sampled reactions per candidate.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed; each reaction's derives from it.")] = defaults.SEED,
    population: Annotated[Path | None, typer.Option("--population", help="Personas; one drawn per reaction.")] = None,
    simulator: Annotated[str, typer.Option(help="User simulator that reacts.")] = defaults.DEFAULT_SIMULATOR,
    simulator_model: SimulatorModelOpt = None,
    simulator_option: SimulatorOptionOpt = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Reactions generated together.")] = defaults.BATCH_SIZE,
    judge: Annotated[str | None, typer.Option("--judge", help="Also label reactions with this chat model (transformers, openai, callable, ...).")] = None,
    judge_option: JudgeOptionOpt = None,
) -> None:
    """Let the simulated user react to each candidate reply; preference rate = share of satisfied reactions."""
    from rich.table import Table

    from simuser.cli.simulate import _spec
    from simuser.judging import judge_replies, load_items
    from simuser.population import load_population
    from simuser.users import simulators

    items = load_items(candidates)
    personas = load_population(population) if population else None
    spec = _spec(simulator, simulator_model, simulator_option, "--simulator-option")
    simulators.check(spec.name)
    judge_spec = _spec(judge, None, judge_option, "--judge-option") if judge else None
    result = judge_replies(items, spec, n=n, seed=seed, personas=personas, batch_size=batch_size, judge=judge_spec)
    out.mkdir(parents=True, exist_ok=True)
    (out / "reactions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result["reactions"]), encoding="utf-8")
    (out / "judge.json").write_text(json.dumps({k: v for k, v in result.items() if k != "reactions"}, indent=2) + "\n", encoding="utf-8")
    table = Table("item", "candidate", "preference (satisfied) [95% CI]", "complaints", "reactions", "preferred")
    for item_id, entry in result["items"].items():
        for cid, stats in entry["candidates"].items():
            p, c = stats["preference"], stats["complaints"]
            cell = "-" if p["rate"] is None else f"{100 * p['rate']:.0f}% [{100 * p['ci95'][0]:.0f}, {100 * p['ci95'][1]:.0f}]"
            table.add_row(item_id, cid, cell, f"{c['count']}/{c['n']}", str(stats["reactions"]),
                          "yes" if entry["preferred"] == cid else "")
    console.print(table)
    console.print(f"files: {out / 'judge.json'}, {out / 'reactions.jsonl'}")


def register(app: typer.Typer) -> None:
    app.command("judge")(judge_command)
