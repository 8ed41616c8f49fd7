"""The demo's outputs: ``demo_summary.json`` (the record), ``demo_summary.md`` and rich terminal tables.

Tables are built once as header + formatted rows (:func:`gap_rows`, :func:`retrieval_rows`), then
rendered as markdown or as rich tables, so the file and the terminal always show the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from simuser.demo.gap import GapRow
from simuser.demo.retrieval import RankStats

SUMMARY_JSON = "demo_summary.json"
SUMMARY_MD = "demo_summary.md"

Table = tuple[list[str], list[list[str]]]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def gap_rows(gap: Sequence[GapRow]) -> Table:
    header = ["condition", "conversations", "answer accuracy", "took a stance", "hit@1 (last turn)",
              "hit@5 (last turn)", "hit@5 (any turn)", "user turns", "words/turn"]
    judged = any(r.judge_accuracy is not None for r in gap)
    if judged:
        header.insert(3, "accuracy (LLM judge)")
    rows = []
    for r in gap:
        row = [r.description, str(r.conversations), _pct(r.accuracy), _pct(r.answered), _pct(r.hit_at_1_last),
               _pct(r.hit_at_5_last), _pct(r.hit_at_5_any), f"{r.user_turns:.1f}", f"{r.words_per_user_turn:.1f}"]
        if judged:
            row.insert(3, _pct(r.judge_accuracy))
        rows.append(row)
    return header, rows


def retrieval_rows(stats: Sequence[RankStats]) -> Table:
    header = ["condition", "user turn", "n", "hit@1", "hit@5", "MRR", "median gold rank"]
    rows = [[s.condition, s.turn, str(s.n), _pct(s.hit_at_1), _pct(s.hit_at_5), f"{s.mrr:.3f}", f"{s.median_rank:g}"]
            for s in stats]
    return header, rows


def markdown_table(table: Table) -> str:
    header, rows = table
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def rich_table(table: Table, title: str):
    from rich.table import Table as RichTable

    header, rows = table
    rendered = RichTable(title=title, title_justify="left")
    for index, name in enumerate(header):
        rendered.add_column(name, justify="left" if index == 0 else "right")
    for row in rows:
        rendered.add_row(*row)
    return rendered


def summary_json(result) -> dict[str, Any]:
    return {
        "config": result.config.model_dump(mode="json"),
        "out": str(result.out),
        "intents": [i.model_dump(mode="json") for i in result.intents],
        "runs": {name: str(run.run_dir) for name, run in result.runs.items()},
        "skipped": result.skipped,
        "reality_gap": [r.to_json() for r in result.gap],
        "task_gap": result.task_gap.to_json() if result.task_gap is not None else None,
        "retrieval": [s.to_json() for s in result.retrieval],
        "turn_ranks": [asdict(r) for r in result.turn_ranks],
        "index_source": result.index_source,
        "reports": result.reports,
        "timings_s": result.timings,
    }


def summary_markdown(result) -> str:
    config = result.config
    parts = [
        "# simuser demo: the medical RAG assistant under simulated users", "",
        f"{config.intents_count} PubMedQA intents x {config.n} conversation(s), up to {config.max_turns} user turns, "
        f"seed {config.seed}, retrieval query mode `{config.query_mode}`.", "",
        "## Reality gap", "", markdown_table(gap_rows(result.gap)), "",
        *task_gap_markdown(result),
        "## Retrieval under users (rank of the gold abstract among all 1,000)", "",
        markdown_table(retrieval_rows(result.retrieval)), "",
    ]
    parts += [f"- condition `{name}` skipped: {why}" for name, why in result.skipped.items()]
    parts += [f"- report `{name}`: {where}" for name, where in result.reports.items()]
    parts += ["", "Stage times (s): " + ", ".join(f"{k} {v:g}" for k, v in result.timings.items()), ""]
    return "\n".join(parts)


def task_gap_markdown(result) -> list[str]:
    """Success (any reply with the gold label, 95% Wilson interval) and the paired gaps, from simuser.tasks."""
    if result.task_gap is None:
        return []
    from simuser.tasks.gap_table import CONDITION_HEADERS, GAP_HEADERS, condition_rows
    from simuser.tasks.gap_table import gap_rows as paired_rows

    return ["## Success (a reply with the gold label; simuser.tasks)", "",
            markdown_table((CONDITION_HEADERS, condition_rows(result.task_gap))), "",
            "## Paired gaps (per-task success, first minus second)", "",
            markdown_table((GAP_HEADERS, paired_rows(result.task_gap))), ""]


def write_summary(result) -> dict[str, Path]:
    paths = {"json": result.out / SUMMARY_JSON, "markdown": result.out / SUMMARY_MD}
    paths["json"].write_text(json.dumps(summary_json(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["markdown"].write_text(summary_markdown(result), encoding="utf-8")
    return paths
