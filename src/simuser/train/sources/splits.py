"""Train / dev / test splits by conversation, fixed once as id lists.

A conversation's split comes from a hash of its id (not its position or a random draw), so the rule
gives the same answer on any machine and in any order; the resulting id lists are then committed, and
training and evaluation read the lists, never the rule, so a later change to a reader cannot move a
conversation from test into training unnoticed (a test checks the lists against the rule).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from simuser.errors import UserError
from simuser.schema import Conversation

SplitName = Literal["train", "dev", "test"]
SPLITS: tuple[SplitName, ...] = ("train", "dev", "test")
DEV_PERCENT = 10
TEST_PERCENT = 10


def split_by_hash(conversation_id: str, dev_percent: int = DEV_PERCENT, test_percent: int = TEST_PERCENT) -> SplitName:
    bucket = int(hashlib.sha256(f"split:{conversation_id}".encode()).hexdigest(), 16) % 100
    if bucket < test_percent:
        return "test"
    return "dev" if bucket < test_percent + dev_percent else "train"


def assign_splits(ids: Iterable[str], **percents: int) -> dict[SplitName, list[str]]:
    out: dict[SplitName, list[str]] = {name: [] for name in SPLITS}
    for cid in ids:
        out[split_by_hash(cid, **percents)].append(cid)
    return out


def write_split_file(path: Path, splits: dict[SplitName, list[str]], rule: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    record: dict[str, object] = {"rule": rule}
    record |= {name: sorted(splits.get(name, [])) for name in SPLITS}
    path.write_text(json.dumps(record, indent=0) + "\n")


def read_split_file(path: Path) -> dict[SplitName, set[str]]:
    if not Path(path).is_file():
        raise UserError(f"split file {path} not found; build it with scripts/build_user_mixture.py --splits")
    record = json.loads(Path(path).read_text())
    return {name: set(record.get(name, [])) for name in SPLITS}


def select_split(conversations: Iterable[Conversation], ids: set[str]) -> list[Conversation]:
    return [c for c in conversations if c.intent.id in ids]
