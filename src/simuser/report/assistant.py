"""The assistant section: ``report.html`` of a ``simuser gap`` directory.

Success by condition with its 95% interval and ``tasks x n``, the paired gaps, the per-task table, what the
simulated user was told (one task's rendered knowledge), and the transcripts, each reply with its check,
filterable by solved / failed. The filter is CSS only (radio buttons), so the page runs no script at all:
its Content-Security-Policy forbids every script, and every text goes through Jinja2's autoescaping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simuser.tasks.gap_table import CONDITION_HEADERS, GAP_HEADERS, condition_rows, gap_rows, task_rows
from simuser.tasks.knowledge import render_knowledge
from simuser.tasks.score import score_conversation

MAX_TRANSCRIPTS = 200  # per condition
GAP_HTML = "report.html"


def write_gap_report(result: Any, out: Path | str) -> Path:
    """Write ``report.html`` for a :class:`simuser.tasks.reality_gap.GapResult` into ``out``."""
    path = Path(out) / GAP_HTML
    path.write_text(render_gap(result), encoding="utf-8")
    return path


def render_gap(result: Any) -> str:
    from simuser.report.html import environment

    task_headers, tasks = task_rows(result, limit=None)
    return environment().get_template("gap.html.jinja").render(
        result=result, title=result.assistant.description or result.assistant.name,
        condition_headers=CONDITION_HEADERS, conditions=condition_rows(result),
        gap_headers=GAP_HEADERS, gaps=gap_rows(result), task_headers=task_headers, tasks=tasks,
        knowledge=render_knowledge(result.tasks[0], result.knowledge) if result.tasks else "",
        transcripts=[(c.condition.label, transcripts(c.conversations)) for c in result.conditions],
        max_transcripts=MAX_TRANSCRIPTS,
    )


def assistant_section(conversations: list[Any]) -> dict[str, Any] | None:
    """For report.json / report.html / compare of a task run: its score (None for a run without tasks)."""
    from simuser.tasks.gap_table import interval_text, pct
    from simuser.tasks.knowledge import intent_task
    from simuser.tasks.score import score

    if not any(intent_task(c.intent) is not None for c in conversations):
        return None
    result = score(conversations)
    data = result.to_json(with_conversations=False)
    turns = "-" if result.mean_turns_to_success is None else f"{result.mean_turns_to_success:.2f}"
    data["rows"] = [
        ["success (95% CI)", f"{interval_text(result.success)} ({len(result.tasks)} tasks x {result.n})"],
        ["final reply passes", pct(result.final_pass_rate)], ["turns to success", turns],
        ["intent coverage", pct(result.coverage)], ["check errors", str(result.check_errors)],
    ]
    return data


def transcripts(conversations: list[Any]) -> list[dict[str, Any]]:
    shown = []
    for conversation in sorted(conversations, key=lambda c: c.key)[:MAX_TRANSCRIPTS]:
        scored = score_conversation(conversation)
        shown.append({
            "task_id": scored.task_id, "sample": conversation.sample_index, "solved": scored.solved,
            "end_reason": scored.end_reason,
            "messages": [{"role": m.role, "content": m.content, "check": m.metadata.get("check")}
                         for m in conversation.messages],
        })
    return shown
