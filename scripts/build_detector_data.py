"""Training texts for the naturalness detector from every source, and held-out measurements per source.

    python scripts/build_detector_data.py                       # writes src/simuser/data/detector/naturalness_train.jsonl.gz
    python scripts/build_detector_data.py --evaluate            # the shipped offline detector, per source
    python scripts/build_detector_data.py --evaluate --trained-on FILE   # a detector trained on another texts file
    python scripts/build_detector_data.py --simulate-negatives 128   # machine-written users in the WOZ domains first

The offline detector (``simuser.metrics.offline_detector``) trains on the file this writes, with content words
masked; docs/metrics.md ("Naturalness across domains") has the measurements and the history.

Human (label 1): user turns of the *train* splits (data/userlm-v2/splits) of MTRAG-UN, STAR, MultiWOZ and
HH-RLHF (at most ``HUMAN_CAP`` per source). Machine (label 0): MTRAG-UN agent turns and HH-RLHF assistant
turns of the same train splits, and the prompted baseline's user turns (docs/results/user-model-comparison,
the conversations whose id hash is even; the odd ones are held out) and, once ``--simulate-negatives`` has
run, the same prompted baseline playing users of STAR and MultiWOZ *train* goals (intent plus detailed goal;
even id hashes train, odd ones are held out). WOZ wizards are people, so their turns are not used as
machine text. Machine texts are cut to lengths drawn from the human length distribution
(seeded), so the classifier cannot go by length. CamRest676 is not used: it is the held-out domain.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import statistics
from pathlib import Path

import numpy as np

from simuser.schema import Conversation
from simuser.store import read_conversations

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "simuser" / "data" / "detector" / "naturalness_train.jsonl.gz"
PROMPTED = ROOT / "docs" / "results" / "user-model-comparison" / "prompted.conversations.jsonl"
NEGATIVES = ROOT / ".cache" / "detector" / "negatives"
NEGATIVE_SOURCES = ("star", "multiwoz")
HUMAN_CAP = 1500
MACHINE_CAP = 1500
SEED = 0


def _mixture():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_user_mixture", ROOT / "scripts" / "build_user_mixture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split_of(source: str, split: str, data: Path) -> list[Conversation]:
    from simuser.train.sources import read_split_file, select_split

    mixture = _mixture()
    ids = read_split_file(mixture.SPLIT_DIR / f"{source}.json")[split]
    return select_split(mixture.read_source(source, data), ids)


def human_turns(conversations: list[Conversation]) -> list[str]:
    return [m.content for c in conversations for m in c.user_turns if m.metadata.get("author_type", "human") == "human"]


def machine_turns(conversations: list[Conversation]) -> list[str]:
    return [m.content for c in conversations for m in c.assistant_turns]


def prompted_half(held_out: bool, path: Path = PROMPTED) -> list[Conversation]:
    keep = 1 if held_out else 0
    return [c for c in read_conversations(path) if int(hashlib.sha256(c.intent.id.encode()).hexdigest(), 16) % 2 == keep]


def negatives_run(source: str) -> Path:
    return NEGATIVES / source / "run" / "conversations.jsonl"


def simulated_negatives(held_out: bool) -> dict[str, list[str]]:
    """User turns the prompted baseline wrote for STAR / MultiWOZ train goals (empty until simulated)."""
    return {f"prompted-{source}": [m.content for c in prompted_half(held_out, negatives_run(source)) for m in c.user_turns]
            for source in NEGATIVE_SOURCES if negatives_run(source).exists()}


def simulate_negatives(data: Path, count: int, seed: int = SEED) -> None:
    """Run the prompted baseline (SmolLM2) as the user of ``count`` train goals per WOZ source: first turns only
    (naturalness is measured on first turns), against the echo assistant (its replies are never used)."""
    import subprocess
    import sys

    from simuser.train.sources.goals import with_detailed_goal

    mixture = _mixture()
    for source in NEGATIVE_SOURCES:
        if negatives_run(source).exists():
            print(f"{negatives_run(source)} exists; delete its folder to simulate again")
            continue
        goals = mixture.stable_order(split_of(source, "train", data), "negatives")[:count]
        out = NEGATIVES / source
        out.mkdir(parents=True, exist_ok=True)
        intents = out / "intents.jsonl"
        intents.write_text("".join(json.dumps({"id": c.intent.id, "intent": with_detailed_goal(c, percent=100).intent.text})
                                   + "\n" for c in goals), encoding="utf-8")
        command = [sys.executable, "-m", "simuser", "simulate", "--intents", str(intents), "--n", "1",
                   "--max-turns", "1", "--simulator", "prompted", "--assistant", "echo", "--seed", str(seed), "--batch-size", "32",
                   "--out", str(out / "run")]
        print(" ".join(command), flush=True)
        subprocess.run(command, check=True)


def sample(texts: list[str], cap: int, rng: np.random.Generator) -> list[str]:
    texts = [t for t in texts if t.strip()]
    if len(texts) <= cap:
        return texts
    return [texts[i] for i in sorted(rng.choice(len(texts), cap, replace=False))]


def cut_to_lengths(texts: list[str], lengths: np.ndarray, rng: np.random.Generator) -> list[str]:
    cuts = [" ".join(t.split()[: int(rng.choice(lengths))]) for t in texts]
    return [c for c in cuts if c]


def build(data: Path) -> list[dict]:
    rng = np.random.default_rng(SEED)
    rows = []
    for source in ("mtrag", "star", "multiwoz", "hh_rlhf"):
        rows += [{"text": t, "label": 1, "source": source} for t in sample(human_turns(split_of(source, "train", data)), HUMAN_CAP, rng)]
    lengths = np.array([max(1, len(r["text"].split())) for r in rows])
    machine = {"mtrag": machine_turns(split_of("mtrag", "train", data)),
               "hh_rlhf": machine_turns(split_of("hh_rlhf", "train", data)),
               "prompted": [m.content for c in prompted_half(held_out=False) for m in c.user_turns]}
    machine |= simulated_negatives(held_out=False)
    for source, texts in machine.items():
        rows += [{"text": t, "label": 0, "source": source} for t in cut_to_lengths(sample(texts, MACHINE_CAP, rng), lengths, rng)]
    return rows


def write(rows: list[dict]) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    OUT.write_bytes(gzip.compress(payload, mtime=0))
    counts = {}
    for r in rows:
        counts[(r["source"], r["label"])] = counts.get((r["source"], r["label"]), 0) + 1
    print(f"{OUT}: {len(rows)} texts, {OUT.stat().st_size} bytes;", {f"{s}/{lbl}": n for (s, lbl), n in counts.items()})


def trained_on(path: Path):
    """An offline detector trained on a file written by :func:`write` (texts already length-matched)."""
    from simuser.metrics.offline_detector import OfflineDetector, shipped_training_texts, train_detector

    texts, labels, _ = shipped_training_texts(path)
    detector = OfflineDetector()
    detector._model = train_detector(texts, labels)
    return detector


def evaluate(data: Path, training_file: Path | None = None) -> dict:
    """Mean P(human) on held-out first turns and all user turns per source, and accuracy on machine text."""
    from simuser.metrics.offline_detector import OfflineDetector

    detector = trained_on(training_file) if training_file else OfflineDetector()
    report = {}
    sources = {"reference (mtrag test)": split_of("mtrag", "test", data)}
    sources |= {s: split_of(s, "test", data) for s in ("star", "multiwoz", "hh_rlhf", "camrest")}
    for name, conversations in sources.items():
        firsts = [c.user_turns[0].content for c in conversations if c.user_turns]
        scores = detector.p_human(human_turns(conversations))
        report[name] = {"first_turns_p_human": 100 * statistics.fmean(detector.p_human(firsts)),
                        "user_turns_p_human": 100 * statistics.fmean(scores),
                        "user_turns_accuracy": 100 * statistics.fmean(s > 0.5 for s in scores), "n_first_turns": len(firsts)}
    rng = np.random.default_rng(SEED + 1)
    lengths = np.array([max(1, len(t.split())) for t in human_turns(sources["reference (mtrag test)"])])
    machine = {"mtrag agent (test)": machine_turns(sources["reference (mtrag test)"]),
               "hh_rlhf assistant (test)": machine_turns(sources["hh_rlhf"]),
               "prompted users (held-out half)": [m.content for c in prompted_half(held_out=True) for m in c.user_turns]}
    machine |= {f"{name} (held-out half)": texts for name, texts in simulated_negatives(held_out=True).items()}
    for name, texts in machine.items():
        cut = cut_to_lengths(texts, lengths, rng)
        report[name] = {"accuracy_length_matched": 100 * statistics.fmean(s < 0.5 for s in detector.p_human(cut)),
                        "accuracy_whole": 100 * statistics.fmean(s < 0.5 for s in detector.p_human(texts)), "n": len(texts)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=_mixture().default_data_dir())
    parser.add_argument("--evaluate", action="store_true")
    parser.add_argument("--trained-on", type=Path, help="evaluate a detector trained on this file instead")
    parser.add_argument("--simulate-negatives", type=int, metavar="N", help="simulate prompted users for N train goals per WOZ source")
    args = parser.parse_args()
    if args.simulate_negatives:
        simulate_negatives(args.data, args.simulate_negatives)
    elif args.evaluate:
        print(json.dumps(evaluate(args.data, args.trained_on), indent=2))
    else:
        write(build(args.data))


if __name__ == "__main__":
    main()
