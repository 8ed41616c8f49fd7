"""``gap``: one assistant, the same tasks, seed and ``--n``, under several conditions; how rosy each looks.

Each condition is an ordinary task run in ``OUT/<label>/``. The result holds each condition's score
(success with its 95% Wilson interval, final-reply passes, turns to success, the users' turns, words per
turn and intent coverage), the paired gap between every two conditions (per-task success rates, mean
difference, paired bootstrap 95% interval, see :mod:`.stats`) and the per-task table. :func:`write_gap`
writes ``gap.json`` and ``gap.md``; the report package writes ``report.html``.

The assistant is built once and shared by every condition (one model load); an assistant passed in stays
open, one built here is closed here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simuser import defaults
from simuser.assistants import Assistant
from simuser.engine.progress import ProgressReporter
from simuser.errors import UserError
from simuser.models.concurrency import run_sync
from simuser.schema import ComponentSpec, Conversation
from simuser.tasks.conditions import Condition, parse_conditions
from simuser.tasks.knowledge import render_knowledge
from simuser.tasks.model import Knowledge, Task
from simuser.tasks.run import simulate_tasks, task_config
from simuser.tasks.score import RunScore, score
from simuser.tasks.stats import Interval, paired_bootstrap
from simuser.users import UserSimulator

GAP_JSON, GAP_MD = "gap.json", "gap.md"


@dataclass
class ConditionResult:
    condition: Condition
    run_dir: Path | None
    conversations: list[Conversation]
    score: RunScore


@dataclass(frozen=True)
class PairedGap:
    first: str
    second: str
    tasks: int
    difference: Interval  # success(first) - success(second), per-task paired


@dataclass
class GapResult:
    tasks: list[Task]
    n: int
    knowledge: Knowledge
    conditions: list[ConditionResult]
    gaps: list[PairedGap]
    assistant: ComponentSpec
    out: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def per_task(self) -> list[dict[str, Any]]:
        """One row per task: its success rate under each condition, and the largest drop from the first."""
        rates = {c.condition.label: {t.task_id: t.success_rate for t in c.score.tasks} for c in self.conditions}
        labels = list(rates)
        rows = []
        for task in self.tasks:
            row = {label: rates[label].get(task.id) for label in labels}
            others = [v for label, v in row.items() if label != labels[0] and v is not None]
            drop = (row[labels[0]] or 0.0) - min(others) if others and row[labels[0]] is not None else 0.0
            rows.append({"task_id": task.id, "rates": row, "drop": round(drop, 6)})
        return sorted(rows, key=lambda r: (-r["drop"], r["task_id"]))

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": len(self.tasks), "n": self.n, "knowledge": self.knowledge,
            "assistant": self.assistant.model_dump(mode="json"), "settings": self.settings,
            "knowledge_example": render_knowledge(self.tasks[0], self.knowledge) if self.tasks else "",
            "conditions": [
                {"label": c.condition.label, "description": c.condition.description,
                 "simulator": c.condition.simulator.model_dump(mode="json"),
                 "run_dir": str(c.run_dir) if c.run_dir else None, **c.score.to_json(with_conversations=False)}
                for c in self.conditions
            ],
            "gaps": [{"first": g.first, "second": g.second, "tasks": g.tasks, "n": self.n,
                      "difference": g.difference.to_json(), "excludes_zero": g.difference.excludes_zero()}
                     for g in self.gaps],
            "per_task": self.per_task(),
        }


def gap(
    tasks: Sequence[Task],
    conditions: str | Sequence[str] | Sequence[Condition] = "original,prompted,userlm",
    *,
    assistant: ComponentSpec | Mapping[str, Any] | Assistant | None = None,
    n: int = defaults.N_PER_INTENT,
    max_turns: int = defaults.MAX_TURNS,
    seed: int = defaults.SEED,
    out: Path | str | None = None,
    knowledge: Knowledge = "question",
    stop_when_solved: bool = True,
    batch_size: int = defaults.BATCH_SIZE,
    concurrency: int = defaults.CONCURRENCY,
    simulator_options: dict[str, Any] | None = None,
    simulators: Mapping[str, UserSimulator] | None = None,
    progress: Callable[[str], ProgressReporter | bool] | None = None,
    check_defaults: dict[str, dict[str, Any]] | None = None,
) -> GapResult:
    """Run every condition and compare them (see the module docstring). ``simulators``: pre-built, by label."""
    if not tasks:
        raise UserError("no tasks to run; pass a tasks file or a suite")
    parsed = _conditions(conditions, simulator_options)
    _check_assistant(assistant)  # every name checked before anything is written
    out_dir = _prepare(Path(out)) if out is not None else None
    fields = {"n": n, "max_turns": max_turns, "seed": seed, "batch_size": batch_size, "concurrency": concurrency,
              "stop_when_solved": stop_when_solved}
    owned, built = _assistant(assistant, task_config(tasks, knowledge, **fields))
    results = []
    try:
        for condition in parsed:
            config = task_config(tasks, knowledge, **fields, simulator=condition.simulator, assistant=built.describe(),
                                 out=out_dir / condition.label if out_dir else None)
            run = simulate_tasks(config, simulator=(simulators or {}).get(condition.label), assistant=built,
                                 progress=progress(condition.label) if progress else False, check_defaults=check_defaults)
            results.append(ConditionResult(condition, run.run_dir, run.conversations, score(run.conversations)))
    finally:
        if owned:
            run_sync(_close(built))
    result = GapResult(list(tasks), n, knowledge, results, paired_gaps(results, seed), built.describe(), out_dir,
                       {k: v for k, v in fields.items() if k != "concurrency"})
    if out_dir is not None:
        write_gap(result, out_dir)
    return result


def paired_gaps(results: Sequence[ConditionResult], seed: int = 0) -> list[PairedGap]:
    """Every pair (earlier condition first), over the tasks both conditions scored."""
    gaps = []
    for i, first in enumerate(results):
        for second in results[i + 1:]:
            a = {t.task_id: t.success_rate for t in first.score.tasks}
            b = {t.task_id: t.success_rate for t in second.score.tasks}
            shared = sorted(a.keys() & b.keys())
            difference = paired_bootstrap([a[t] for t in shared], [b[t] for t in shared], seed=seed)
            gaps.append(PairedGap(first.condition.label, second.condition.label, len(shared), difference))
    return gaps


def write_gap(result: GapResult, out: Path) -> dict[str, Path]:
    from simuser.tasks.gap_table import markdown

    paths = {"json": out / GAP_JSON, "md": out / GAP_MD}
    paths["json"].write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(result), encoding="utf-8")
    return paths


def _conditions(conditions: str | Sequence[str] | Sequence[Condition], options: dict[str, Any] | None) -> list[Condition]:
    if isinstance(conditions, str):
        return parse_conditions(conditions, options)
    if all(isinstance(c, Condition) for c in conditions):
        return list(conditions)  # type: ignore[arg-type]
    return parse_conditions([str(c) for c in conditions], options)


def _check_assistant(assistant: Any) -> None:
    from simuser.assistants import assistants

    if isinstance(assistant, ComponentSpec | Mapping):
        assistants.check(ComponentSpec.model_validate(assistant).name)


def _prepare(out: Path) -> Path:
    if out.exists() and any(out.iterdir()):
        raise UserError(f"{out} is not empty; choose another --out (each gap writes a fresh directory)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _assistant(assistant: ComponentSpec | Mapping[str, Any] | Assistant | None, config) -> tuple[bool, Assistant]:
    if assistant is not None and not isinstance(assistant, ComponentSpec | Mapping):
        return False, assistant
    from simuser.engine.components import build_assistant
    from simuser.engine.loop import with_concurrency

    spec = ComponentSpec.model_validate(assistant) if assistant is not None else config.assistant
    config = config.model_copy(update={"assistant": spec})
    return True, build_assistant(with_concurrency(config))


async def _close(component: Any) -> None:
    close = getattr(component, "aclose", None)
    if close is not None:
        await close()
