"""Computing the report card: a set of metrics on a run, and the same metrics on the human reference.

:func:`evaluate_conversations` is the core (conversations + context -> values); :func:`evaluate_run` is
what ``simuser evaluate`` calls: it reads the run, picks the run seed and simulator from the run record,
builds the detector, simulator and judge it was asked for, and evaluates the human reference the same
way. Probe metrics run in one event loop, at the end of which the simulator and judge it built are
closed. A metric that hits a user-fixable problem (a missing extra, a missing key) is reported as not
computed with that problem as the reason; the rest of the report still comes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simuser import defaults
from simuser.errors import UserError
from simuser.metrics import DEFAULT_METRICS, TEXT_METRICS, metrics
from simuser.metrics.base import Metric, MetricContext, MetricResult, NotComputed, ProbeProgress
from simuser.metrics.probes import run_sync
from simuser.population import persona_breakdown, persona_name
from simuser.schema import ComponentSpec, Conversation

REPORT_VERSION = "1"


@dataclass
class Evaluation:
    """Flattened values (``name`` and ``name.sub``), reasons for what was not computed, and details."""

    values: dict[str, float] = field(default_factory=dict)
    not_computed: dict[str, str] = field(default_factory=dict)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, outcome: MetricResult | NotComputed) -> None:
        if isinstance(outcome, NotComputed):
            self.not_computed[name] = outcome.reason
            return
        self.values[name] = round(float(outcome.value), 6)
        for key, value in outcome.values.items():
            self.values[f"{name}.{key}"] = round(float(value), 6)
        if outcome.details:
            self.details[name] = outcome.details


def compute_text_metrics(conversations: Sequence[Conversation], seed: int = defaults.SEED) -> dict[str, float]:
    """The metrics that need only the conversations (no model, no network), flattened."""
    return evaluate_conversations(conversations, MetricContext(seed=seed), TEXT_METRICS).values


def evaluate_conversations(conversations: Sequence[Conversation], context: MetricContext | None = None,
                           names: Sequence[str] = DEFAULT_METRICS, close_after: Sequence[Any] = ()) -> Evaluation:
    """Compute ``names`` on ``conversations``; then close ``close_after`` (simulators, judges) in the probes' loop."""
    context = context or MetricContext()
    chosen = [metrics.create(name) for name in names]
    outcomes = {m.name: _guarded(m.compute, conversations, context) for m in chosen if not hasattr(m, "acompute")}
    probes = [m for m in chosen if hasattr(m, "acompute")]
    if probes or close_after:
        outcomes.update(run_sync(_compute_async(probes, conversations, context, close_after)))
    evaluation = Evaluation()
    for metric in chosen:
        evaluation.add(metric.name, outcomes[metric.name])
    return evaluation


def _guarded(compute: Any, conversations: Sequence[Conversation], context: MetricContext) -> MetricResult | NotComputed:
    try:
        return compute(conversations, context)
    except UserError as error:
        return NotComputed(str(error))


async def _compute_async(probes: Sequence[Metric], conversations: Sequence[Conversation], context: MetricContext,
                         close_after: Sequence[Any]) -> dict[str, MetricResult | NotComputed]:
    outcomes: dict[str, MetricResult | NotComputed] = {}
    try:
        for metric in probes:  # one after another: they share one simulator
            try:
                outcomes[metric.name] = await metric.acompute(conversations, context)  # type: ignore[attr-defined]
            except UserError as error:
                outcomes[metric.name] = NotComputed(str(error))
    finally:
        for resource in close_after:
            await resource.aclose()
    return outcomes


# --- a whole run, with its reference --------------------------------------------------------------------


@dataclass
class RunEvaluation:
    """What ``simuser evaluate`` computed: the run's numbers and the human reference's, plus the inputs."""

    source: str
    run: dict[str, Any]
    settings: dict[str, Any]
    evaluation: Evaluation
    reference: dict[str, Any]
    reference_evaluation: Evaluation
    conversations: list[Conversation]
    reference_conversations: list[Conversation]
    by_persona: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The report.json document (deterministic: no timestamps)."""
        from simuser.metrics.paper import PAPER_NOTES, PAPER_VALUES

        return {
            "report_version": REPORT_VERSION,
            "source": self.source,
            "run": self.run,
            "settings": self.settings,
            "metrics": self.evaluation.values,
            "not_computed": self.evaluation.not_computed,
            "details": self.evaluation.details,
            "reference": {**self.reference, "metrics": self.reference_evaluation.values,
                          "not_computed": self.reference_evaluation.not_computed},
            "paper": PAPER_VALUES,
            "paper_notes": PAPER_NOTES,
            "metric_info": metric_info(DEFAULT_METRICS),
            "by_persona": self.by_persona,
        }


@dataclass
class EvaluateOptions:
    """``simuser evaluate`` flags, one to one."""

    reference: Path | None = None
    seed: int | None = None
    detector: str | None = "offline"
    simulator: ComponentSpec | None = None
    probes: bool | None = None  # None: on when a simulator is given explicitly
    probe_limit: int = 50
    judge: ComponentSpec | None = None
    perplexity_model: str | None = None
    names: Sequence[str] = DEFAULT_METRICS
    progress: ProbeProgress | None = None  # progress(label, done, total) while probes run


def evaluate_run(source: Path | str, options: EvaluateOptions | None = None) -> RunEvaluation:
    """Evaluate a run directory or chat JSONL against the human reference."""
    from simuser.store import read_conversations

    options = options or EvaluateOptions()
    conversations = read_conversations(source)
    validate_run(conversations, source)
    manifest = _manifest_config(Path(source))
    seed = options.seed if options.seed is not None else int(manifest.get("seed", defaults.SEED))
    reference, reference_info = load_reference_for(options.reference)
    first_only = first_turns_only(conversations)
    if first_only:  # compare like with like: the reference's first turns
        reference = [cut_to_first_turn(c) for c in reference]
        reference_info["first_turns_only"] = True
    context, owned = _context(options, conversations, manifest, seed)
    if options.reference is not None:  # end where *these* people ended, not where MTRAG-UN annotators did
        context.options["termination_conversations"] = termination_sample(reference, options.probe_limit, seed)
    evaluation = evaluate_conversations(conversations, context, options.names, close_after=owned)
    reference_context = MetricContext(seed=seed, detector=context.detector)
    reference_names = [n for n in options.names if metrics.create(n).kind in ("text", "detector")]
    reference_evaluation = evaluate_conversations(reference, reference_context, reference_names)
    if first_only:
        mark_first_turns_only(evaluation)
        mark_first_turns_only(reference_evaluation)
    return RunEvaluation(
        source=str(source), run=_run_info(conversations, manifest, seed), settings=_settings(options, context),
        evaluation=evaluation, reference=reference_info, reference_evaluation=reference_evaluation,
        conversations=list(conversations), reference_conversations=list(reference),
        by_persona=persona_segments(conversations, seed),
    )


def persona_segments(conversations: Sequence[Conversation], seed: int) -> dict[str, dict[str, Any]]:
    """The per-persona table (simuser.population), with the text metrics computed on each segment."""
    table = persona_breakdown(conversations)
    for name, row in table.items():
        segment = [c for c in conversations if persona_name(c) == name]
        row["metrics"] = evaluate_conversations(segment, MetricContext(seed=seed), TEXT_METRICS).values
    return table


def termination_sample(reference: Sequence[Conversation], limit: int, seed: int) -> list[Conversation]:
    """Up to ``limit`` whole reference conversations (drawn reproducibly) whose states the termination probe asks.

    Only conversations whose last message is the assistant's give a state labelled "the user ended here".
    """
    import random

    ended = [c for c in reference if c.messages and c.messages[-1].role == "assistant" and c.user_turns]
    return random.Random(seed).sample(ended, min(limit, len(ended)))


def validate_run(conversations: Sequence[Conversation], source: Path | str) -> None:
    if not conversations:
        raise UserError(f"{source}: no conversations to evaluate; run `simuser simulate` first or pass a chat JSONL")


def first_turns_only(conversations: Sequence[Conversation]) -> bool:
    """True when no conversation has two user turns (e.g. a file of opening messages)."""
    return not any(len(c.user_turns) >= 2 for c in conversations)


FIRST_TURNS_REASON = ("the input holds first turns only (no conversation has two user turns); user turns per "
                      "conversation needs whole conversations (simulate with --max-turns 2 or more)")


def cut_to_first_turn(conversation: Conversation) -> Conversation:
    """The conversation up to and including its first user turn (the reference, for a first-turn-only run)."""
    first = next((i for i, m in enumerate(conversation.messages) if m.role == "user"), len(conversation.messages))
    return conversation.model_copy(update={"messages": conversation.messages[: first + 1], "end_reason": None})


def mark_first_turns_only(evaluation: Evaluation) -> None:
    """Pace's headline (turns per conversation) is not computed; words per turn and the rest stay."""
    evaluation.values.pop("pace", None)
    for key in [k for k in evaluation.values if k.startswith("pace.user_")]:
        evaluation.values.pop(key)
    evaluation.not_computed.setdefault("pace", FIRST_TURNS_REASON)


def load_reference_for(path: Path | None) -> tuple[list[Conversation], dict[str, Any]]:
    """The shipped test split, or a team's own chat JSONL (which must carry intents)."""
    from simuser.metrics.reference import load_reference, split_path

    if path is None:
        reference = load_reference("test")
        return reference, {"name": "MTRAG-UN human conversations (test split)", "path": str(split_path("test").name),
                           "n_conversations": len(reference)}
    from simuser.store import read_conversations

    reference = read_conversations(path)
    validate_reference(reference, path)
    return reference, {"name": Path(path).name, "path": str(path), "n_conversations": len(reference)}


def validate_reference(conversations: Sequence[Conversation], source: Path | str) -> None:
    if not conversations:
        raise UserError(f"{source}: the reference holds no conversations; pass a chat JSONL of real conversations")
    missing = [i for i, c in enumerate(conversations, start=1) if not c.intent.text.strip()]
    if missing:
        raise UserError(
            f"{source}: {len(missing)} reference conversation(s) have no intent (first: line {missing[0]}); "
            "give every line an \"intent\" such as 'You are a user chatting with an assistant language model to ...'"
        )


def metric_info(names: Sequence[str]) -> dict[str, dict[str, str]]:
    info = {}
    for name in names:
        metric = metrics.create(name)
        info[name] = {"title": metric.title, "kind": metric.kind, "direction": metric.direction, "unit": metric.unit}
    return info


def _context(options: EvaluateOptions, conversations: Sequence[Conversation], manifest: dict[str, Any],
             seed: int) -> tuple[MetricContext, list[Any]]:
    """The metric context, and the objects built here that must be closed after the probes."""
    from simuser.metrics.naturalness_detectors import detectors

    context = MetricContext(seed=seed, probe_limit=options.probe_limit, perplexity_model=options.perplexity_model,
                            progress=options.progress)
    if options.detector and options.detector != "none":
        context.detector = detectors.create(options.detector)
    owned: list[Any] = []
    spec, reason = _probe_simulator(options, conversations, manifest)
    context.probes_off_reason = reason
    if spec is not None:
        from simuser.engine.components import build_simulator

        context.simulator = build_simulator(spec)
        owned.append(context.simulator)
    if options.judge is not None and spec is not None:
        from simuser.engine.components import build_assistant
        from simuser.metrics.judge import AssistantJudge

        assistant = build_assistant(options.judge)
        context.judge = AssistantJudge(assistant, options.judge.name)
        owned.append(assistant)
    return context, owned


def _probe_simulator(options: EvaluateOptions, conversations: Sequence[Conversation],
                     manifest: dict[str, Any]) -> tuple[ComponentSpec | None, str]:
    """Which simulator the probes run, or why they do not run."""
    if options.probes is False:
        return None, "probes off (--no-probes)"
    if options.simulator is not None:
        return options.simulator, ""
    recorded = _recorded_simulator(conversations, manifest)
    if options.probes is None:
        named = f" ({recorded.name})" if recorded else ""
        return None, f"probes not run: pass --probes to run the run's simulator{named} on the probe states, or --simulator NAME"
    if recorded is None:
        return None, "the run records no simulator; pass --simulator NAME"
    return recorded, ""


def _recorded_simulator(conversations: Sequence[Conversation], manifest: dict[str, Any]) -> ComponentSpec | None:
    for conversation in conversations:
        if conversation.simulator is not None:
            return conversation.simulator
    if "simulator" in manifest:
        return ComponentSpec.model_validate(manifest["simulator"])
    return None


def _manifest_config(source: Path) -> dict[str, Any]:
    from simuser.store import RUN_FILE, RunStore

    if source.is_dir() and (source / RUN_FILE).exists():
        return dict(RunStore(source).load_manifest().config)
    return {}


def _run_info(conversations: Sequence[Conversation], manifest: dict[str, Any], seed: int) -> dict[str, Any]:
    simulator = _recorded_simulator(conversations, manifest)
    return {
        "run_id": next((c.run_id for c in conversations if c.run_id), ""),
        "n_conversations": len(conversations),
        "n_user_turns": sum(len(c.user_turns) for c in conversations),
        "simulator": simulator.model_dump() if simulator else None,
        "seed": seed,
    }


def _settings(options: EvaluateOptions, context: MetricContext) -> dict[str, Any]:
    return {
        "detector": context.detector.name if context.detector else None,
        "probe_simulator": context.simulator.describe().model_dump() if context.simulator else None,
        "probe_limit": options.probe_limit,
        "judge": options.judge.name if options.judge else None,
        "perplexity_model": options.perplexity_model,
        "reference": str(options.reference) if options.reference else None,
    }
