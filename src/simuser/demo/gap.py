"""The reality gap: the same assistant, scored under the original question and under simulated users.

One row per condition: answer accuracy (the assistant's final stance vs the gold label), how often it
took a stance at all, retrieval at the conversation's last user turn (hit@1, hit@5) and at any turn
(hit@5 at any point), and what the users did (user turns, words per turn). Like the paper's 74.6% vs
57.4%: a prompted simulator that pastes the question back scores the assistant close to the original
question; more realistic users score it lower, and this table shows by how much.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from simuser.demo.retrieval import TurnRank
from simuser.demo.stance import Stance, conversation_stance
from simuser.schema import Conversation


@dataclass(frozen=True)
class GapRow:
    condition: str
    description: str
    conversations: int
    accuracy: float
    answered: float  # share of conversations where the assistant took a stance
    hit_at_1_last: float
    hit_at_5_last: float
    hit_at_5_any: float
    user_turns: float  # mean per conversation
    words_per_user_turn: float
    judge_accuracy: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


def accuracy(conversations: Sequence[Conversation], stances: Sequence[Stance | None]) -> float:
    if not conversations:
        return 0.0
    gold = [c.intent.metadata.get("gold_label") for c in conversations]
    return sum(s is not None and s == g for s, g in zip(stances, gold, strict=True)) / len(conversations)


def gap_row(condition: str, description: str, conversations: Sequence[Conversation], ranks: Sequence[TurnRank],
            judged: Sequence[Stance | None] | None = None) -> GapRow:
    stances = [conversation_stance(c) for c in conversations]
    n = max(len(conversations), 1)
    last = [r.rank for r in ranks if r.last_turn]
    best: dict[tuple[str, int], int] = {}
    for r in ranks:
        best[(r.intent_id, r.sample_index)] = min(r.rank, best.get((r.intent_id, r.sample_index), r.rank))
    user_turns = [m for c in conversations for m in c.user_turns]
    return GapRow(
        condition, description, len(conversations),
        accuracy=accuracy(conversations, stances),
        answered=sum(s is not None for s in stances) / n,
        hit_at_1_last=sum(r <= 1 for r in last) / n,
        hit_at_5_last=sum(r <= 5 for r in last) / n,
        hit_at_5_any=sum(r <= 5 for r in best.values()) / n,
        user_turns=len(user_turns) / n,
        words_per_user_turn=sum(len(m.content.split()) for m in user_turns) / max(len(user_turns), 1),
        judge_accuracy=None if judged is None else accuracy(conversations, judged),
    )


def reality_gap(conditions: Mapping[str, tuple[str, Sequence[Conversation]]], ranks: Sequence[TurnRank],
                judged: Mapping[str, Sequence[Stance | None]] | None = None) -> list[GapRow]:
    """``conditions``: name -> (description, conversations), in table order."""
    return [
        gap_row(name, description, conversations, [r for r in ranks if r.condition == name],
                None if judged is None else judged.get(name))
        for name, (description, conversations) in conditions.items()
    ]
