"""The user-model report card on every held-out test split and pooled (issue 12), for several user models.

    python scripts/evaluate_user_models.py --data /work/ckpt/userlm-v3/data --out /work/ckpt/eval \
        --model v3=/work/ckpt/userlm-v3/run/adapter --model shipped=default --model prompted=base
    python scripts/evaluate_user_models.py ... --table          # print the tables from what is on disk
    python scripts/evaluate_user_models.py --split dev --stage ppl --with-intent-only ...   # pilot comparison

``--data`` is a directory written by ``scripts/build_user_mixture.py`` (``test/<source>.jsonl``: people,
with high-level intents; ``--split dev`` reads ``dev/<source>.jsonl`` instead, for choosing between pilot
runs without looking at the test splits; a source without that split, CamRest676 for dev, is left out).
Every step writes one file under ``--out`` and is skipped when that file exists, so a stopped evaluation
resumes. Per source, from the split's file shuffled with ``random.Random(0)``:

* **perplexity** with and without the intent on the first ``--ppl-conversations`` conversations (pooled:
  the sources' NLL and token counts summed);
* **simulation**: the first ``--intents`` intents, ``--n`` conversations each, at most ``--max-turns`` user
  turns, against the embedded SmolLM2 assistant (replies cut to ``--assistant-tokens``);
* **report card** (``simuser.metrics.evaluate``) against that source's people (the whole split file; the
  tables judge turns per conversation against people's turns counted at ``--max-turns``, as simulated);
  pooled: every source's simulations together, against ``--pooled-people`` people per source, with the
  run's own simulator on the probes: termination states from ``--probe-limit`` of those people's
  conversations (drawn across sources), role and intent probes (they do not depend on the source).
  ``--probes-per-source 1`` adds termination probes on each source's own people.

Model specs: ``default`` (the shipped adapter), ``base`` (SmolLM2 prompted to act as the user: the
``prompted`` simulator), or an adapter directory (the ``userlm`` simulator with that adapter).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

SOURCES = ("mtrag", "star", "multiwoz", "hh_rlhf", "camrest")
TEXT_AND_DETECTOR = ("first_turn_diversity", "intent_decomposition", "lexical_diversity", "pace", "naturalness")
PER_SOURCE_PROBES = ("termination_f1",)
ONCE_PROBES = ("role_adherence", "intent_adherence")


def shuffled(path: Path) -> list[str]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    random.Random(0).shuffle(lines)
    return lines


def sources_in(out: Path) -> tuple[str, ...]:
    """The sources this evaluation's samples hold (all five for the test split, four for dev)."""
    return tuple(s for s in SOURCES if (out / "samples" / f"ppl-{s}.jsonl").exists())


def write_samples(data: Path, out: Path, args: argparse.Namespace) -> None:
    samples = out / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    pooled_people = []
    for source in SOURCES:
        if not (data / args.split / f"{source}.jsonl").exists():
            continue
        lines = shuffled(data / args.split / f"{source}.jsonl")
        (samples / f"ppl-{source}.jsonl").write_text("\n".join(lines[: args.ppl_conversations]) + "\n")
        intents = [json.loads(line) for line in lines[: args.intents]]
        (samples / f"intents-{source}.jsonl").write_text(
            "".join(json.dumps({"id": r["id"], "intent": r["intent"]}) + "\n" for r in intents))
        pooled_people += lines[: args.pooled_people]
    (samples / "people-pooled.jsonl").write_text("\n".join(pooled_people) + "\n")


def perplexities(name: str, spec: str, out: Path, threads: int, modes: tuple[bool, ...] = (True, False)) -> None:
    from simuser.metrics.perplexity import user_turn_perplexity
    from simuser.store import read_conversations

    for source in sources_in(out):
        for with_intent in modes:
            target = out / "ppl" / name / f"{source}-{'with' if with_intent else 'without'}.json"
            if target.exists():
                continue
            conversations = read_conversations(out / "samples" / f"ppl-{source}.jsonl")
            result = user_turn_perplexity(spec, conversations, with_intent=with_intent, threads=threads)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(result.as_dict(), indent=1) + "\n")
            print(f"{name} {source} {'with' if with_intent else 'without'} intent: {result.value:.2f}", flush=True)


def simulator_of(spec: str) -> tuple[str, dict[str, str]]:
    """(simulator name, options) for a model spec: ``base``, ``default`` or an adapter directory."""
    if spec == "base":
        return "prompted", {}
    return "userlm", {"model": "default"} if spec == "default" else {"adapter": spec}


def simulator_args(spec: str) -> list[str]:
    name, options = simulator_of(spec)
    return ["--simulator", name] + [arg for key, value in options.items() for arg in ("-S", f"{key}={value}")]


def simulate(name: str, spec: str, out: Path, args: argparse.Namespace) -> None:
    for source in sources_in(out):
        run = out / "runs" / name / source
        if (run / "conversations.jsonl").exists() and (run / "DONE").exists():
            continue
        command = [sys.executable, "-m", "simuser", "simulate", "--intents", str(out / "samples" / f"intents-{source}.jsonl"),
                   "--n", str(args.n), "--max-turns", str(args.max_turns), "--quiet", "--threads", str(args.threads),
                   *simulator_args(spec), "-A", f"max_new_tokens={args.assistant_tokens}"]
        command += ["--resume", str(run)] if run.exists() else ["--out", str(run)]
        subprocess.run(command, check=True, env={**os.environ, "OMP_NUM_THREADS": str(args.threads)})
        (run / "DONE").touch()
        print(f"{name} {source}: simulated", flush=True)


def evaluate(name: str, spec: str, out: Path, args: argparse.Namespace) -> None:
    from simuser.metrics.evaluate import EvaluateOptions, evaluate_run
    from simuser.schema import ComponentSpec
    from simuser.store import read_conversations, write_chat_jsonl

    simulator, simulator_options = simulator_of(spec)
    probe_spec = ComponentSpec(name=simulator, options=simulator_options)
    jobs = [(source, out / "runs" / name / source) for source in sources_in(out)]
    pooled = out / "runs" / name / "pooled.jsonl"
    if not pooled.exists():
        write_chat_jsonl([c for source, run in jobs for c in read_conversations(run)], pooled)
    for source, run in jobs + [("pooled", pooled)]:
        target = out / "reports" / name / f"{source}.json"
        if target.exists():
            continue
        reference = people_file(out, Path(args.data), args.split, source)
        probes = PER_SOURCE_PROBES * args.probes_per_source if source != "pooled" else PER_SOURCE_PROBES + ONCE_PROBES
        options = EvaluateOptions(reference=reference, detector="offline", simulator=probe_spec if probes else None,
                                  probes=bool(probes), probe_limit=args.probe_limit, names=TEXT_AND_DETECTOR + probes)
        report = evaluate_run(run, options).to_json()
        for key in ("paper", "paper_notes", "metric_info", "by_persona"):
            report.pop(key, None)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=1) + "\n")
        print(f"{name} {source}: evaluated", flush=True)


# --- tables -------------------------------------------------------------------------------------------------

ROWS = [  # (label, key in report metrics, how to compare with people)
    ("first-turn diversity (%)", "first_turn_diversity", "closer"),
    ("intent decomposition (%)", "intent_decomposition", "closer"),
    ("words per user turn", "pace.words_per_turn_mean", "closer"),
    ("user turns per conversation (cap 4)", "pace", "closer"),
    ("naturalness P(human) (%)", "naturalness", "closer"),
    ("lexical diversity across simulations (0-1)", "lexical_diversity", "higher"),
    ("termination F1 (%)", "termination_f1", "higher"),
    ("termination precision / recall", "termination_f1.precision", "info"),
    ("role adherence (%)", "role_adherence", "higher"),
    ("intent adherence (%)", "intent_adherence", "higher"),
]


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def pooled_perplexity(out: Path, name: str, which: str) -> float | None:
    parts = [load(out / "ppl" / name / f"{source}-{which}.json") for source in sources_in(out)]
    if not all(parts):
        return None
    return math.exp(sum(p["nll"] for p in parts) / sum(p["tokens"] for p in parts))


def perplexity_table(out: Path, names: list[str]) -> str:
    lines = ["| split | " + " | ".join(f"{n} with / without intent" for n in names) + " |",
             "|---" * (len(names) + 1) + "|"]
    for source in sources_in(out) + ("pooled",):
        cells = []
        for name in names:
            if source == "pooled":
                values = [pooled_perplexity(out, name, w) for w in ("with", "without")]
            else:
                values = [load(out / "ppl" / name / f"{source}-{w}.json").get("value") for w in ("with", "without")]
            cells.append(" / ".join("-" if v is None else f"{v:.2f}" for v in values))
        lines.append(f"| {source} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metric(report: dict, key: str) -> float | None:
    return report.get("metrics", {}).get(key)


def cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}" if 0 < abs(value) < 1 else f"{value:.1f}"


def people_file(out: Path, data: Path, split: str, source: str) -> Path:
    """The people a report compares with: the pooled sample, or the whole split file of one source."""
    return out / "samples" / "people-pooled.jsonl" if source == "pooled" else data / split / f"{source}.jsonl"


def capped_turns(path: Path, cap: int) -> float | None:
    """People's user turns per conversation counted the way the simulations were run: at most ``cap``.

    The report's pace compares simulations cut at ``cap`` turns with people's whole conversations (STAR's
    run to 9); against that number, whichever model ends least looks closest. This one is the fair target.
    """
    from simuser.store import read_conversations

    if not path.exists():
        return None
    return statistics.fmean(min(len(c.user_turns), cap) for c in read_conversations(path))


def people_metrics(report: dict, people: Path, cap: int, *, capped_as_pace: bool = False) -> dict:
    """People's metrics from a report, plus their turns counted at ``cap``: beside the uncapped pace as
    ``pace.capped`` (for the tables), or in its place (``capped_as_pace``, for judging which model is closer)."""
    metrics = dict(report.get("reference", {}).get("metrics", {}))
    capped = capped_turns(people, cap)
    if capped is not None:
        metrics["pace" if capped_as_pace else "pace.capped"] = capped
    return metrics


def precision_recall(metrics: dict) -> str:
    return (f"{metrics.get('termination_f1.precision', float('nan')):.0f}"
            f" / {metrics.get('termination_f1.recall', float('nan')):.0f}")


def people_cell(people: dict, key: str, cap_note: str) -> str:
    """People's value of ``key``; for turns per conversation, their count at the cap beside it (``cap_note``)."""
    text = cell(people.get(key))
    if key == "pace" and "pace.capped" in people:
        text += f" ({cell(people['pace.capped'])}{cap_note})"
    return text


def report_table(out: Path, names: list[str], source: str, people_path: Path, cap: int) -> str:
    reports = {name: load(out / "reports" / name / f"{source}.json") for name in names}
    people = people_metrics(next((r for r in reports.values() if r), {}), people_path, cap)
    lines = [f"| metric ({source}) | " + " | ".join(names) + " | people |", "|---" * (len(names) + 2) + "|"]
    for label, key, _ in ROWS:
        if key == "termination_f1.precision":
            values = [reports[n].get("metrics", {}) for n in names]
            row = [precision_recall(v) if "termination_f1" in v else "-" for v in values]
            lines.append(f"| {label} | " + " | ".join(row) + " | - |")
            continue
        lines.append(f"| {label} | " + " | ".join(cell(metric(reports[n], key)) for n in names)
                     + f" | {people_cell(people, key, f' at cap {cap}')} |")
    return "\n".join(lines)


def closer_count(out: Path, a: str, b: str, people_path: Path, cap: int) -> list[str]:
    """Pooled metrics on which model ``a`` is closer to people (or better, where people have no value) than ``b``.

    Turns per conversation are compared with people's turns at the same cap (:func:`capped_turns`).
    """
    wins = []
    ra, rb = (load(out / "reports" / n / "pooled.json") for n in (a, b))
    people = people_metrics(ra, people_path, cap, capped_as_pace=True)
    for label, key, how in ROWS:
        va, vb = metric(ra, key), metric(rb, key)
        if va is None or vb is None or how == "info":
            continue
        if how == "closer" and people.get(key) is not None:
            better = abs(va - people[key]) < abs(vb - people[key])
        else:
            better = va > vb
        wins.append(f"{label}: {'**' + a + '**' if better else b} ({va:.1f} vs {vb:.1f}"
                    + (f", people {people[key]:.1f})" if how == "closer" and key in people else ")"))
    return wins


def matrix_cell(report: dict, key: str) -> str:
    value = metric(report, key)
    if key == "termination_f1" and value is not None:
        return f"{value:.1f} ({precision_recall(report['metrics'])})"
    return cell(value)


def split_matrix(out: Path, names: list[str], data: Path, split: str = "test", cap: int = 4) -> str:
    """Every split in one table, each cell ``model / model / ... / people``: the docs' side-by-side layout.

    Columns are the metrics some report of some split holds (probe metrics only where they were run);
    people's turns per conversation carry their count at ``cap`` in brackets, the number models are judged by.
    """
    sources = ("pooled",) + sources_in(out)
    reports = {s: {n: load(out / "reports" / n / f"{s}.json") for n in names} for s in sources}
    keys = [(label, key) for label, key, how in ROWS
            if how != "info" and any(metric(r, key) is not None for by in reports.values() for r in by.values())]
    header = "| split (" + " / ".join(names) + " / people) | " + " | ".join(label for label, _ in keys) + " |"
    lines = [header, "|---" * (len(keys) + 1) + "|"]
    for source in sources:
        by_name = reports[source]
        people = people_metrics(next((r for r in by_name.values() if r), {}), people_file(out, data, split, source), cap)
        cells = []
        for _, key in keys:
            row = [matrix_cell(by_name[n], key) for n in names] + [people_cell(people, key, "")]
            cells.append("-" if set(row) == {"-"} else " / ".join(row))
        lines.append(f"| {source} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables(out: Path, names: list[str], data: Path, split: str = "test", cap: int = 4) -> str:
    parts = ["## Held-out perplexity", perplexity_table(out, names)]
    for source in ("pooled",) + sources_in(out):
        people = people_file(out, data, split, source)
        parts += [f"## Report card: {source}", report_table(out, names, source, people, cap)]
    if len(names) >= 2:
        pooled_people = people_file(out, data, split, "pooled")
        parts += [f"## Pooled: {names[0]} vs {names[1]}", "\n".join(f"- {w}" for w in closer_count(out, names[0], names[1], pooled_people, cap))]
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--split", choices=["test", "dev"], default="test",
                        help="people to measure against: test (the report) or dev (choosing between pilots)")
    parser.add_argument("--with-intent-only", action="store_true", help="perplexity with the intent only")
    parser.add_argument("--model", action="append", default=[], help="NAME=SPEC (default, base or an adapter dir)")
    parser.add_argument("--stage", action="append", choices=["ppl", "simulate", "evaluate"], default=[])
    parser.add_argument("--table", action="store_true", help="only print the tables")
    parser.add_argument("--matrix", action="store_true", help="only print every split in one side-by-side table")
    parser.add_argument("--ppl-conversations", type=int, default=30)
    parser.add_argument("--intents", type=int, default=10)
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--max-turns", type=int, default=4)
    parser.add_argument("--assistant-tokens", type=int, default=64)
    parser.add_argument("--probe-limit", type=int, default=20)
    parser.add_argument("--pooled-people", type=int, default=60)
    parser.add_argument("--probes-per-source", type=int, choices=[0, 1], default=0,
                        help="1: termination probes on every source's people too (about 5 minutes each on 2 cores)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    models = dict(m.split("=", 1) for m in args.model)
    if args.table:
        print(tables(args.out, list(models), args.data, args.split, args.max_turns))
        return
    if args.matrix:
        print(split_matrix(args.out, list(models), args.data, args.split, args.max_turns))
        return
    if not (args.out / "samples").exists():
        write_samples(args.data, args.out, args)
    for stage in args.stage or ["ppl", "simulate", "evaluate"]:
        for name, spec in models.items():
            if stage == "ppl":
                modes = (True,) if args.with_intent_only else (True, False)
                perplexities(name, spec, args.out, args.threads, modes)
            elif stage == "simulate":
                simulate(name, spec, args.out, args)
            else:
                evaluate(name, spec, args.out, args)


if __name__ == "__main__":
    main()
