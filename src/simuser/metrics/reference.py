"""The shipped human reference: real conversations with intents, split once into dev and test.

The reference is built from the MTRAG-UN human conversations (IBM, Apache-2.0): each row holds a real
conversation up to a task turn (human user turns, model agent turns repaired by annotators) plus the
agent's gold answer, and ``intents.jsonl`` gives one UserLM-style intent per conversation. We keep it as
plain chat JSONL (``{"id", "intent", "messages", "metadata"}`` per line) so a team can swap in its own
logs with ``simuser evaluate --reference``.

The dev/test split is by conversation and by a hash of the conversation id (not by position or a
random draw), so it never changes when rows are reordered or added: training reads ``split="dev"``
only, metrics compare against ``split="test"``.

A second file, ``termination.jsonl``, holds the only *whole* conversations in the data (every turn up to
where the user really stopped); termination F1 needs real ends, which MTRAG-UN rows do not have.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from simuser.errors import UserError
from simuser.schema import Conversation, EndReason, Intent, Message, Role
from simuser.store import read_conversations, write_chat_jsonl

Split = Literal["dev", "test", "all"]

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
REFERENCE_PATH = REFERENCE_DIR / "mtragun_reference.jsonl"
TERMINATION_PATH = REFERENCE_DIR / "termination.jsonl"
SPLIT_PATHS = {"dev": REFERENCE_DIR / "dev_ids.txt", "test": REFERENCE_DIR / "test_ids.txt"}

#: Share of conversations in the development part (the rest is the test part).
DEV_PERCENT = 80
_SPEAKER_ROLE: dict[str, Role] = {"user": "user", "agent": "assistant"}


def split_of(conversation_id: str) -> Literal["dev", "test"]:
    """Dev or test, from a hash of the id alone: stable across machines, orderings and data growth."""
    bucket = int(hashlib.sha256(conversation_id.encode()).hexdigest(), 16) % 100
    return "dev" if bucket < DEV_PERCENT else "test"


def split_path(split: Literal["dev", "test"]) -> Path:
    """The committed file listing the conversation ids of ``split``, one per line."""
    return SPLIT_PATHS[split]


def load_reference(split: Split, path: Path | None = None) -> list[Conversation]:
    """The human reference conversations of ``split``: "dev" for training, "test" for metrics (no default, on purpose)."""
    conversations = read_chat_jsonl(path or REFERENCE_PATH)
    if split == "all":
        return conversations
    if split not in SPLIT_PATHS:
        raise UserError(f"unknown reference split '{split}'; choose one of: dev, test, all")
    ids = set(split_path(split).read_text().split())
    return [c for c in conversations if c.intent.id in ids]


def load_termination_reference() -> list[Conversation]:
    """Whole real conversations (MTRAG human-evaluation subset): the last turn is where the user stopped."""
    return read_chat_jsonl(TERMINATION_PATH)


# --- reading and writing chat JSONL ------------------------------------------------------------------


def read_chat_jsonl(path: Path) -> list[Conversation]:
    """Chat JSONL (``{"id", "intent", "messages"}``) or simuser records, through the run store's reader."""
    return read_conversations(path)


# --- building the reference from the MTRAG snapshot ---------------------------------------------------


def mtragun_conversations(mtrag_dir: Path) -> list[Conversation]:
    """MTRAG-UN rows (input + gold answer) joined with their intents, in file order."""
    rows = _jsonl(mtrag_dir / "mtragun-human" / "generation_tasks" / "reference.jsonl")
    intents = _jsonl(mtrag_dir / "intents.jsonl")
    assert [r["conversation_id"] for r in rows] == [i["conversation_id"] for i in intents], "intents out of order"
    return [_mtragun_conversation(row, intent["intent"]) for row, intent in zip(rows, intents, strict=True)]


def _mtragun_conversation(row: dict[str, Any], intent_text: str) -> Conversation:
    cid = row["conversation_id"]
    metadata = {
        "source": "mtrag-un", "collection": row.get("Collection"), "task_turn": row.get("turn"),
        "split": split_of(cid),
    }
    return Conversation(
        intent=Intent(id=cid, text=intent_text),
        messages=[_message(turn) for turn in [*row["input"], *row["targets"]]],
        metadata=metadata,
    )


def _message(turn: dict[str, Any]) -> Message:
    """MTRAG speaker -> chat role; keep who wrote it (a few user turns were written by a model)."""
    author = turn.get("metadata", {}).get("author_type", "unknown")
    return Message(role=_SPEAKER_ROLE[turn["speaker"]], content=turn["text"].strip(), metadata={"author_type": author})


def termination_conversations(mtrag_dir: Path, intents: dict[str, str]) -> list[Conversation]:
    """Whole MTRAG conversations: for each conversation of the human-evaluation subset, its last task.

    The subset lists every task (turn) of 20 conversations; the last task's input plus its gold answer is
    the conversation up to where the annotator stopped (checked against the retrieval task lists).
    """
    data = json.loads((mtrag_dir / "mtrag-human" / "evaluations" / "reference_subset_with_human_evaluations.json").read_text())
    last: dict[str, dict[str, Any]] = {}
    for task in data["tasks"]:
        cid, turn = task["task_id"].split("<::>")
        if cid not in last or int(turn) > int(last[cid]["task_id"].split("<::>")[1]):
            last[cid] = task
    return [_whole_conversation(cid, task, intents.get(cid, "")) for cid, task in sorted(last.items())]


def _whole_conversation(cid: str, task: dict[str, Any], intent_text: str) -> Conversation:
    messages = [_message(turn) for turn in [*task["input"], *task["targets"]]]
    conversation = Conversation(
        intent=Intent(id=cid, text=intent_text), messages=messages,
        metadata={"source": "mtrag-human-evaluation-subset", "collection": task.get("Collection")},
    )
    conversation.end_reason = EndReason.USER_ENDED
    return conversation


def build_reference(mtrag_dir: Path, out_dir: Path = REFERENCE_DIR) -> dict[str, int]:
    """Rebuild the shipped reference files from an MTRAG snapshot; returns counts per split."""
    conversations = mtragun_conversations(Path(mtrag_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_chat_jsonl(conversations, out_dir / REFERENCE_PATH.name)
    counts = {}
    for split in ("dev", "test"):
        ids = [c.intent.id for c in conversations if c.metadata["split"] == split]
        (out_dir / SPLIT_PATHS[split].name).write_text("\n".join(ids) + "\n")
        counts[split] = len(ids)
    termination_intents = _jsonl_map(out_dir / "termination_intents.jsonl")
    write_chat_jsonl(termination_conversations(Path(mtrag_dir), termination_intents), out_dir / TERMINATION_PATH.name)
    return counts


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _jsonl_map(path: Path) -> dict[str, str]:
    return {r["conversation_id"]: r["intent"] for r in _jsonl(path)} if path.is_file() else {}
