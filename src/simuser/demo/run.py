"""``simuser demo`` as a library function: simulate users against the RAG assistant and measure the gap.

Stages, each with a progress bar: build (or load) the FAISS index; simulate each condition through the
engine (one run directory per condition under ``out``); evaluate (gold ranks per user turn, stances, the
reality-gap table); write the report card of each simulated-user run when :mod:`simuser.report` is
installed; write ``demo_summary.json`` and ``demo_summary.md``.

The assistant is built once and shared by every condition (one model load, one index); components the
demo builds it also closes. Pass ``assistant=`` or ``simulators=`` to use pre-built ones (tests do).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.assistants import Assistant
from simuser.assistants.rag import RagAssistant, Retriever, make_embedder, pubmedqa_corpus
from simuser.assistants.rag.query import DEFAULT_QUERY_MODE, check_query_mode
from simuser.demo.conditions import ORIGINAL, PROMPTED, USERLM, Condition, userlm_options
from simuser.demo.gap import GapRow, reality_gap
from simuser.demo.retrieval import RankStats, TurnRank, rank_turns, retrieval_table
from simuser.demo.suite import pubmedqa_suite
from simuser.engine.progress import ProgressReporter
from simuser.errors import UserError
from simuser.schema import ComponentSpec, Conversation, Intent
from simuser.tasks import task_intent
from simuser.users import UserSimulator

INTENTS_COUNT = 6  # with 3 turns and three conditions: minutes on 2 CPU cores (docs/demo.md)
MAX_TURNS = 3


class DemoProgress(Protocol):
    """How the demo shows progress; the CLI draws it (``simuser.cli.progress``), the library draws nothing."""

    def stage(self, label: str, total: int | None) -> AbstractContextManager[Callable[[int], None]]:
        """A stage of ``total`` steps; the body calls the update function with the count done."""
        ...

    def conversations(self, label: str) -> ProgressReporter:
        """The reporter for one condition's conversations."""
        ...


class _Silent:
    @contextmanager
    def stage(self, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
        yield lambda done: None


def stages(progress: DemoProgress | None) -> DemoProgress | _Silent:
    return progress if progress is not None else _Silent()


class DemoConfig(BaseModel):
    """The demo's options; fields map one to one onto ``simuser demo`` flags."""

    model_config = ConfigDict(extra="forbid")

    intents_count: int = Field(INTENTS_COUNT, ge=1, le=1000)
    n: int = Field(defaults.N_PER_INTENT, ge=1)
    max_turns: int = Field(MAX_TURNS, ge=1)
    seed: int = defaults.SEED
    out: Path | None = None
    simulator: str = defaults.PROMPTED_BASELINE
    simulator_model: str | None = None
    simulator_options: dict[str, Any] = Field(default_factory=dict)
    userlm_model: str | None = None
    userlm: bool = True  # run condition (c) when a UserLM-format model is available
    assistant: str = "rag"
    assistant_model: str | None = None
    assistant_base_url: str | None = None
    assistant_api_key_env: str | None = None
    embedder: str = "minilm"
    embedding_base_url: str | None = None
    embedding_api_key_env: str | None = None
    query_mode: str = DEFAULT_QUERY_MODE
    judge_base_url: str | None = None
    judge_model: str | None = None
    judge_api_key_env: str | None = None
    batch_size: int = Field(defaults.BATCH_SIZE, ge=1)
    concurrency: int = Field(defaults.CONCURRENCY, ge=1)
    report: bool = True


@dataclass
class ConditionRun:
    condition: Condition
    run_dir: Path | None
    conversations: list[Conversation]


@dataclass
class DemoResult:
    config: DemoConfig
    out: Path
    intents: list[Intent]
    runs: dict[str, ConditionRun]
    skipped: dict[str, str]
    turn_ranks: list[TurnRank]
    retrieval: list[RankStats]
    gap: list[GapRow]
    index_source: str | None = None
    reports: dict[str, str] = field(default_factory=dict)  # condition -> report path, or why none
    timings: dict[str, float] = field(default_factory=dict)
    task_gap: Any = None  # simuser.tasks.reality_gap.GapResult: success by condition, paired gaps


def run_demo(config: DemoConfig, *, assistant: Assistant | None = None,
             simulators: Mapping[str, UserSimulator] | None = None, progress: DemoProgress | None = None) -> DemoResult:
    """Run every available condition, evaluate, and write the summary (see the module docstring)."""
    out = prepare_out(config.out)
    suite = pubmedqa_suite(config.intents_count, config.seed)
    intents = [task_intent(task, suite.knowledge) for task in suite.tasks]
    owned, assistant = assistant is None, assistant or build_assistant(config)
    retriever = analysis_retriever(config, assistant)
    timings: dict[str, float] = {}
    conditions, skipped = plan_conditions(config, simulators or {})
    try:
        with timed(timings, "index"), stages(progress).stage("index", len(retriever.corpus)) as update:
            retriever.ensure_index(lambda done, total: update(done))
        runs = {}
        for condition in conditions:
            with timed(timings, condition.name):
                try:
                    runs[condition.name] = run_condition(config, condition, intents, assistant, out, progress)
                except UserError as exc:
                    if condition.name != USERLM:
                        raise
                    skipped[USERLM] = f"failed: {exc}"  # the optional condition must not sink (a) and (b)
    finally:
        if owned:
            asyncio.run(assistant.aclose())
    with timed(timings, "evaluation"):
        ranks, gap = evaluate(config, runs, retriever, progress)
    result = DemoResult(config, out, intents, runs, skipped, ranks, retrieval_table(ranks), gap,
                        retriever.index_source, timings=timings)
    result.task_gap = task_gap(config, suite, runs, assistant, out)
    if config.report:
        with timed(timings, "reports"):
            result.reports = write_reports(runs, progress)
            from simuser.report.assistant import write_gap_report

            result.reports["gap"] = str(write_gap_report(result.task_gap, out))
    from simuser.demo.summary import write_summary

    write_summary(result)
    return result


def prepare_out(out: Path | None) -> Path:
    out = out or Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S")
    if out.exists() and any(out.iterdir()):
        raise UserError(f"{out} is not empty; choose another --out (each demo writes a fresh directory)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def build_assistant(config: DemoConfig) -> Assistant:
    """The RAG assistant (default) or any registered assistant with the demo's model flags."""
    check_query_mode(config.query_mode)
    if config.assistant == "rag":
        return RagAssistant(
            embedder=config.embedder, model=config.assistant_model or defaults.EMBEDDED_MODEL,
            base_url=config.assistant_base_url, api_key_env=config.assistant_api_key_env,
            embedding_base_url=config.embedding_base_url, embedding_api_key_env=config.embedding_api_key_env,
            query_mode=config.query_mode, concurrency=config.concurrency,
        )
    from simuser.engine.components import build_assistant as build_registered

    options = {"model": config.assistant_model, "base_url": config.assistant_base_url,
               "api_key_env": config.assistant_api_key_env}
    return build_registered(ComponentSpec(name=config.assistant, options=_present(options)))


def analysis_retriever(config: DemoConfig, assistant: Assistant) -> Retriever:
    """The assistant's own retriever when it has one, so gold ranks describe what it retrieved."""
    own = getattr(assistant, "retriever", None)
    if isinstance(own, Retriever):
        return own
    embedder = make_embedder(config.embedder, base_url=config.embedding_base_url,
                             api_key_env=config.embedding_api_key_env)
    return Retriever(pubmedqa_corpus(), embedder)


def plan_conditions(config: DemoConfig, overrides: Mapping[str, UserSimulator]) -> tuple[list[Condition], dict[str, str]]:
    """(a) always; (b) the chosen simulator; (c) when a UserLM-format model is available."""
    original = Condition(ORIGINAL, "original question, asked once (a)",
                         ComponentSpec(name="original"), 1, 1, overrides.get(ORIGINAL))
    simulated_spec = ComponentSpec(
        name=config.simulator, options={**config.simulator_options, **_present({"model": config.simulator_model})})
    simulated = Condition(PROMPTED, f"{_simulator_label(config)} (b)", simulated_spec, config.max_turns, config.n,
                          overrides.get(PROMPTED))
    conditions, skipped = [original, simulated], {}
    options, source = userlm_options(config.userlm_model) if config.userlm else (None, "--no-userlm")
    if options is None and USERLM not in overrides:
        skipped[USERLM] = source
    else:
        spec = ComponentSpec(name="userlm", options=options or {})
        description = f"UserLM-format simulator (c), {source if options else 'given'}"
        conditions.append(Condition(USERLM, description, spec, config.max_turns, config.n, overrides.get(USERLM)))
    return conditions, skipped


def _simulator_label(config: DemoConfig) -> str:
    if config.simulator == "prompted" and not config.simulator_model:
        return "prompted simulator, SmolLM2 playing the user"
    return f"{config.simulator} simulator" + (f", {config.simulator_model}" if config.simulator_model else "")


def run_condition(config: DemoConfig, condition: Condition, intents: list[Intent], assistant: Assistant,
                  out: Path, progress: DemoProgress | None) -> ConditionRun:
    """One condition as a task run: every reply checked (choice on the gold label), users go on after success.

    The demo keeps the user talking after a correct answer (``stop_when_solved=False``) so retrieval is
    measured on every turn a user would have asked.
    """
    from simuser.engine import RunConfig
    from simuser.tasks import simulate_tasks

    run_config = RunConfig(
        intents=intents, n=condition.n, max_turns=condition.max_turns, seed=config.seed,
        concurrency=config.concurrency, batch_size=config.batch_size, simulator=condition.simulator,
        assistant=assistant.describe(), out=out / condition.name, stop_when_solved=False,
    )
    reporter = progress.conversations(condition.name) if progress else False
    result = simulate_tasks(run_config, simulator=condition.instance, assistant=assistant, progress=reporter)
    return ConditionRun(condition, result.run_dir, result.conversations)


def task_gap(config: DemoConfig, suite: Any, runs: Mapping[str, ConditionRun], assistant: Assistant, out: Path):
    """Success by condition and the paired gaps (simuser.tasks), written as gap.json and gap.md."""
    from simuser.tasks import score
    from simuser.tasks.conditions import Condition as TaskCondition
    from simuser.tasks.reality_gap import ConditionResult, GapResult, paired_gaps, write_gap

    results = [ConditionResult(TaskCondition(name, run.condition.simulator), run.run_dir, run.conversations,
                               score(run.conversations)) for name, run in runs.items()]
    settings = {"n": config.n, "max_turns": config.max_turns, "seed": config.seed, "stop_when_solved": False}
    result = GapResult(suite.tasks, config.n, suite.knowledge, results, paired_gaps(results, config.seed),
                       assistant.describe(), out, settings)
    write_gap(result, out)
    return result


def evaluate(config: DemoConfig, runs: Mapping[str, ConditionRun], retriever: Retriever,
             progress: DemoProgress | None) -> tuple[list[TurnRank], list[GapRow]]:
    """Gold ranks for every user turn, then the reality-gap table (with the LLM judge when configured)."""
    ranks: list[TurnRank] = []
    with stages(progress).stage("evaluating", len(runs)) as update:
        for done, (name, run) in enumerate(runs.items(), start=1):
            ranks += rank_turns(name, run.conversations, retriever, config.query_mode)
            update(done)
    judged = judge_stances(config, runs) if config.judge_base_url else None
    conditions = {name: (run.condition.description, run.conversations) for name, run in runs.items()}
    return ranks, reality_gap(conditions, ranks, judged)


def judge_stances(config: DemoConfig, runs: Mapping[str, ConditionRun]) -> dict[str, list]:
    from simuser.demo.stance import StanceJudge

    if not config.judge_base_url or not config.judge_model:
        raise UserError("--judge-base-url needs --judge-model (the judge's model name at that endpoint)")
    judged = {}
    for name, run in runs.items():
        judge = StanceJudge(config.judge_base_url, config.judge_model, config.judge_api_key_env)
        judged[name] = asyncio.run(judge.judge(run.conversations))
    return judged


def write_reports(runs: Mapping[str, ConditionRun], progress: DemoProgress | None) -> dict[str, str]:
    """The report card (``report.html``) of each multi-turn run, when :mod:`simuser.report` is installed."""
    try:
        from simuser.metrics.evaluate import evaluate_run
        from simuser.report import write_report
    except ImportError as exc:
        return {name: f"no report: simuser.report is not available ({exc})" for name in runs}
    written = {}
    multi_turn = {n: r.run_dir for n, r in runs.items()
                  if r.run_dir is not None and any(len(c.user_turns) > 1 for c in r.conversations)}
    with stages(progress).stage("reports", len(multi_turn)) as update:
        for done, (name, run_dir) in enumerate(multi_turn.items(), start=1):
            try:
                written[name] = str(write_report(evaluate_run(run_dir), run_dir)["html"])
            except UserError as exc:
                written[name] = f"no report: {exc}"
            update(done)
    return written


@contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = round(time.perf_counter() - started, 2)


def _present(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}
