"""Build the user-model v2 training mixture and held-out splits from the public dialogue sets.

    python scripts/build_user_mixture.py --out /work/ckpt/userlm-v2/data           # splits are read from the repo
    python scripts/build_user_mixture.py --write-splits                             # (re)write the id lists once
    python scripts/build_user_mixture.py --skip candidate --cap star=300 ...        # the conversations after those
                                                                                    # the v2 candidate saw

Reads ../shared/data (mtrag, star, multiwoz, camrest, hh_rlhf; see each SOURCE.md) through the readers in
``simuser.train.sources`` and the MTRAG-UN reference (``simuser.metrics.reference``). Writes:

* ``OUT/train.jsonl``: the training mixture (subsampled per source, see ``TRAIN_CAPS``; a fixed share
  of intents carries the detailed goal), in a fixed shuffled order;
* ``OUT/dev/<source>.jsonl`` and ``OUT/test/<source>.jsonl``: held-out conversations, high-level intents;
* ``OUT/mixture.json``: counts per source and split, and what was kept.

Splits (committed in data/userlm-v2/splits/<source>.json): by conversation, from a hash of its id, 80/10/10
train/dev/test; CamRest676 is entirely test (out of domain: no training run sees it); MTRAG-UN keeps the
reference's test split unchanged, and its dev part is divided into train and dev.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from simuser.metrics.reference import load_reference, split_path
from simuser.schema import Conversation
from simuser.store import write_chat_jsonl
from simuser.train.sources import READERS, assign_splits, read_split_file, select_split, with_detailed_goal
from simuser.train.sources.splits import SPLITS, write_split_file

ROOT = Path(__file__).resolve().parent.parent
SPLIT_DIR = ROOT / "data" / "userlm-v2" / "splits"
SOURCES = ("mtrag", "star", "multiwoz", "camrest", "hh_rlhf")
OUT_OF_DOMAIN = "camrest"
#: Conversations per source in the training mixture (None: all of its train split). Sized for ~2 hours on
#: 2 shared CPU cores; see docs/training.md for what was kept and why.
TRAIN_CAPS: dict[str, int | None] = {"mtrag": 50, "star": 125, "multiwoz": 150, "hh_rlhf": 125}


def default_data_dir() -> Path:
    for candidate in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data"


def read_source(name: str, data: Path) -> list[Conversation]:
    if name == "mtrag":
        conversations = load_reference("all")
        for c in conversations:
            c.metadata.setdefault("source", "mtrag")
        return conversations
    return READERS[name](data / name)


def split_rule(name: str, ids: list[str]) -> tuple[dict, str]:
    if name == OUT_OF_DOMAIN:
        return {"train": [], "dev": [], "test": ids}, "all test: the out-of-domain source"
    if name == "mtrag":
        test = set(split_path("test").read_text().split())
        rest = assign_splits([i for i in ids if i not in test], dev_percent=15, test_percent=0)
        return {"train": rest["train"], "dev": rest["dev"], "test": sorted(test & set(ids))}, (
            "test: the reference test split (unchanged); the reference dev split: 85/15 train/dev by sha256('split:'+id)")
    return assign_splits(ids), "80/10/10 train/dev/test by sha256('split:'+id)"


def write_splits(data: Path) -> None:
    for name in SOURCES:
        splits, rule = split_rule(name, [c.intent.id for c in read_source(name, data)])
        write_split_file(SPLIT_DIR / f"{name}.json", splits, rule)
        print(name, {k: len(v) for k, v in splits.items()})


def stable_order(conversations: list[Conversation], salt: str) -> list[Conversation]:
    return sorted(conversations, key=lambda c: hashlib.sha256(f"{salt}:{c.intent.id}".encode()).hexdigest())


def build(data: Path, out: Path, caps: dict[str, int | None], skips: dict[str, int] | None = None) -> dict:
    """``skips``: conversations per source at the head of the stable order left out (an earlier run saw them)."""
    train, summary, skips = [], {}, skips or {}
    for name in SOURCES:
        conversations = read_source(name, data)
        splits = read_split_file(SPLIT_DIR / f"{name}.json")
        parts = {split: select_split(conversations, splits[split]) for split in SPLITS}
        start = skips.get(name, 0)
        cap = caps.get(name)
        kept = stable_order(parts["train"], "subsample")[start: None if cap is None else start + cap]
        train += [with_detailed_goal(c) for c in kept]
        for split in ("dev", "test"):
            if parts[split]:
                write_chat_jsonl(parts[split], _mkdir(out / split) / f"{name}.jsonl")
        summary[name] = {**{s: len(p) for s, p in parts.items()}, "train_skipped": start, "train_kept": len(kept),
                         "train_user_turns_kept": sum(m.role == "user" for c in kept for m in c.messages)}
    write_chat_jsonl(stable_order(train, "shuffle"), _mkdir(out) / "train.jsonl")
    summary["total_train"] = len(train)
    summary["detailed_goal_intents"] = sum(bool(c.intent.metadata.get("detailed")) for c in train)
    record = {"caps": caps, "skips": skips, "sources": summary}
    (out / "mixture.json").write_text(json.dumps(record, indent=2) + "\n")
    return summary


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_caps(values: list[str]) -> dict[str, int | None]:
    caps = dict(TRAIN_CAPS)
    for value in values:
        name, _, number = value.partition("=")
        caps[name] = None if number in ("", "all") else int(number)
    return caps


def parse_skips(values: list[str]) -> dict[str, int]:
    """``SOURCE=N`` pairs; ``candidate`` stands for the caps the v2 candidate adapter was trained on."""
    skips: dict[str, int] = {}
    for value in values:
        if value == "candidate":
            skips.update({k: v for k, v in TRAIN_CAPS.items() if v is not None})
            continue
        name, _, number = value.partition("=")
        skips[name] = int(number)
    return skips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=default_data_dir(), help="the shared data directory")
    parser.add_argument("--out", type=Path, default=ROOT / ".cache" / "userlm-v2-data")
    parser.add_argument("--cap", action="append", default=[], help="SOURCE=N conversations kept for training (or all)")
    parser.add_argument("--skip", action="append", default=[],
                        help="SOURCE=N train conversations at the head of the stable order left out, or 'candidate'")
    parser.add_argument("--write-splits", action="store_true", help="write the id lists into data/userlm-v2/splits")
    args = parser.parse_args()
    if args.write_splits:
        return write_splits(args.data)
    print(json.dumps(build(args.data, args.out, parse_caps(args.cap), parse_skips(args.skip)), indent=2))


if __name__ == "__main__":
    main()
