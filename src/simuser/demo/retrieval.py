"""Retrieval under realistic users: where the gold abstract ranks, user turn by user turn.

For every user turn of every conversation, the query is what the assistant actually embedded (its
``metadata["retrieval"]["query"]`` on the reply to that turn) or, for an assistant that records none,
the query the RAG assistant would have built (:func:`simuser.assistants.rag.build_query`, same
``query_mode``). The gold document's rank is computed against *all* documents with the same retriever,
so a gold abstract at rank 212 counts as 212, not as "missing from the top 5".

The original PubMedQA question, asked in one turn (condition *original*), is the well-formed baseline.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from simuser.assistants.rag.query import build_query
from simuser.assistants.rag.retriever import Retriever
from simuser.schema import Conversation


@dataclass(frozen=True)
class TurnRank:
    condition: str
    intent_id: str
    sample_index: int
    turn: int  # 1-based user turn
    last_turn: bool  # the conversation's final user turn
    gold_id: str
    query: str
    recorded: bool  # the query came from the assistant's own record
    rank: int


@dataclass(frozen=True)
class RankStats:
    """hit@k, mean reciprocal rank and median rank over a set of turns."""

    condition: str
    turn: str  # "1", "2", ..., "all", "last"
    n: int
    hit_at_1: float
    hit_at_5: float
    mrr: float
    median_rank: float

    def to_json(self) -> dict:
        return asdict(self)


def turn_queries(conversation: Conversation, query_mode: str) -> list[tuple[str, bool]]:
    """``(query, recorded)`` for each user turn, in order."""
    queries, messages = [], conversation.messages
    for index, message in enumerate(messages):
        if message.role != "user":
            continue
        reply = messages[index + 1] if index + 1 < len(messages) and messages[index + 1].role == "assistant" else None
        recorded = (reply.metadata.get("retrieval") or {}).get("query") if reply else None
        queries.append((recorded, True) if recorded is not None else (build_query(messages[: index + 1], query_mode), False))
    return queries


def rank_turns(condition: str, conversations: Sequence[Conversation], retriever: Retriever,
               query_mode: str) -> list[TurnRank]:
    """The gold rank of every user turn (one batched embedding call for the whole condition)."""
    rows = []
    for conversation in conversations:
        queries = turn_queries(conversation, query_mode)
        gold = str(conversation.intent.metadata["gold_doc_id"])
        for turn, (query, recorded) in enumerate(queries, start=1):
            rows.append((conversation, turn, turn == len(queries), gold, query, recorded))
    ranks = retriever.ranks([r[4] for r in rows], [r[3] for r in rows])
    return [
        TurnRank(condition, c.intent.id, c.sample_index, turn, last, gold, query, recorded, rank)
        for (c, turn, last, gold, query, recorded), rank in zip(rows, ranks, strict=True)
    ]


def rank_stats(condition: str, turn: str, ranks: Sequence[int]) -> RankStats:
    n = len(ranks)
    if n == 0:
        return RankStats(condition, turn, 0, 0.0, 0.0, 0.0, 0.0)
    return RankStats(
        condition, turn, n,
        hit_at_1=sum(r <= 1 for r in ranks) / n,
        hit_at_5=sum(r <= 5 for r in ranks) / n,
        mrr=sum(1 / r for r in ranks) / n,
        median_rank=float(statistics.median(ranks)),
    )


def retrieval_table(turn_ranks: Iterable[TurnRank]) -> list[RankStats]:
    """Per condition: one row per user-turn number, then all turns, then each conversation's last turn."""
    by_condition: dict[str, list[TurnRank]] = defaultdict(list)
    for row in turn_ranks:
        by_condition[row.condition].append(row)
    table = []
    for condition, rows in by_condition.items():
        for turn in sorted({r.turn for r in rows}):
            table.append(rank_stats(condition, str(turn), [r.rank for r in rows if r.turn == turn]))
        if len({r.turn for r in rows}) > 1:
            table.append(rank_stats(condition, "all", [r.rank for r in rows]))
            table.append(rank_stats(condition, "last", [r.rank for r in rows if r.last_turn]))
    return table
