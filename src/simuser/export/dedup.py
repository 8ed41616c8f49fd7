"""Exact and near-duplicate removal, on the user side of each conversation.

Training data full of the same user turns teaches a model to repeat them, so an export keeps the first
conversation of each group of duplicates (in run order) and drops the rest. The rule, per conversation:

1. its *user side* is its user turns joined by newlines, normalised: lower case, every run of characters
   that are not letters or digits becomes one space, trimmed;
2. **exact duplicate**: the normalised user side equals that of a kept conversation;
3. **near duplicate**: the Jaccard similarity of its word 3-gram sets (word sets when a side has fewer than
   three words) with a kept conversation's is at least ``threshold`` (default 0.9).

Conversations with no user turn are kept (there is nothing to compare). Candidates for the near-duplicate
test are found through an inverted index of shingles, so the cost grows with the overlaps, not with all
pairs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from simuser.schema import Conversation

DEFAULT_THRESHOLD = 0.9
_NON_WORD = re.compile(r"[^\w]+|_+")


@dataclass
class DedupReport:
    exact: int = 0
    near: int = 0


def normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def user_side(conversation: Conversation) -> str:
    return normalise("\n".join(turn.content for turn in conversation.user_turns))


def shingles(text: str) -> frozenset[str]:
    words = text.split()
    if len(words) < 3:
        return frozenset(words)
    return frozenset(" ".join(words[i:i + 3]) for i in range(len(words) - 2))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def deduplicate(conversations: Sequence[Conversation], threshold: float | None = DEFAULT_THRESHOLD) -> tuple[list[Conversation], DedupReport]:
    """Keep the first of each group of exact (and, unless ``threshold`` is None, near) duplicates."""
    kept: list[Conversation] = []
    seen: set[str] = set()
    index = _ShingleIndex()
    report = DedupReport()
    for conversation in conversations:
        side = user_side(conversation)
        if side and side in seen:
            report.exact += 1
            continue
        grams = shingles(side)
        if side and threshold is not None and index.most_similar(grams) >= threshold:
            report.near += 1
            continue
        if side:
            seen.add(side)
            index.add(grams)
        kept.append(conversation)
    return kept, report


class _ShingleIndex:
    """Kept shingle sets, found again through the shingles they share with a new set."""

    def __init__(self) -> None:
        self.sets: list[frozenset[str]] = []
        self.postings: dict[str, list[int]] = defaultdict(list)

    def add(self, grams: frozenset[str]) -> None:
        for gram in grams:
            self.postings[gram].append(len(self.sets))
        self.sets.append(grams)

    def most_similar(self, grams: frozenset[str]) -> float:
        shared = Counter(i for gram in grams for i in self.postings.get(gram, ()))
        return max((n / (len(grams) + len(self.sets[i]) - n) for i, n in shared.items()), default=0.0)
