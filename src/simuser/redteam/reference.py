"""How human red-teamers write: user words per turn and user turns, from HH-RLHF style transcripts.

Anthropic's HH-RLHF data (``harmless-base`` preference pairs, ``red_team_attempts``) store each conversation
as one text: ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``. This reads the ``chosen`` (or ``transcript``) text of
each line of a JSONL or JSONL.gz file, splits it at those markers, and computes the same user statistics the
red-team report shows for the simulated users, so ``--human-reference`` puts the two side by side.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from statistics import fmean
from typing import Any

from simuser.errors import UserError

_TURN = re.compile(r"\n\n(Human|Assistant): ")


def human_turns(transcript: str) -> list[str]:
    """The Human turns of one transcript, in order."""
    text = transcript if transcript.startswith("\n\n") else "\n\n" + transcript.lstrip("\n")
    parts = _TURN.split(text)
    return [parts[i + 1].strip() for i in range(1, len(parts) - 1, 2) if parts[i] == "Human"]


def load_transcripts(path: Path | str) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"human reference {path} does not exist; pass an HH-RLHF .jsonl or .jsonl.gz file")
    opener = gzip.open if path.suffix == ".gz" else open
    texts = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line) if line.strip() else {}
            text = record.get("chosen") or record.get("transcript")
            if isinstance(text, str):
                texts.append(text)
    if not texts:
        raise UserError(f"human reference {path}: no 'chosen' or 'transcript' texts; pass an HH-RLHF file")
    return texts


def user_stats(conversations_turns: list[list[str]]) -> dict[str, Any]:
    """Conversations, mean user turns per conversation, mean words per user turn."""
    kept = [turns for turns in conversations_turns if turns]
    words = [len(t.split()) for turns in kept for t in turns]
    return {"conversations": len(kept), "user_turns_mean": round(fmean(len(t) for t in kept), 3) if kept else None,
            "words_per_turn_mean": round(fmean(words), 3) if words else None}


def human_reference_stats(path: Path | str) -> dict[str, Any]:
    return {"source": str(path), **user_stats([human_turns(t) for t in load_transcripts(path)])}
