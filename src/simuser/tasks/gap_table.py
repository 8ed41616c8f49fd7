"""The gap as tables: rows shared by ``gap.md``, the terminal table and report.html.

Every figure carries its sample: the success rate with its 95% interval and ``tasks x n``; a gap with
its paired bootstrap interval and the number of tasks it pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuser.tasks.stats import Interval

if TYPE_CHECKING:
    from simuser.tasks.reality_gap import GapResult

CONDITION_HEADERS = ["condition", "success (95% CI)", "tasks x n", "final reply passes", "turns to success",
                     "user turns", "words/turn", "intent coverage", "check errors"]
GAP_HEADERS = ["gap", "difference (95% paired bootstrap CI)", "tasks x n", "interval excludes 0"]
MAX_TASK_ROWS = 50


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def interval_text(interval: Interval, points: bool = False) -> str:
    if points:
        return f"{100 * interval.estimate:+.1f} pts [{100 * interval.low:+.1f}, {100 * interval.high:+.1f}]"
    return f"{pct(interval.estimate)} [{pct(interval.low)}, {pct(interval.high)}]"


def condition_rows(result: GapResult) -> list[list[str]]:
    rows = []
    for c in result.conditions:
        s = c.score
        turns = "-" if s.mean_turns_to_success is None else f"{s.mean_turns_to_success:.2f}"
        rows.append([f"{c.condition.label}: {c.condition.description}", interval_text(s.success),
                     f"{len(s.tasks)} x {s.n}", pct(s.final_pass_rate), turns, f"{s.user_turns:.2f}",
                     f"{s.words_per_turn:.1f}", pct(s.coverage), str(s.check_errors)])
    return rows


def gap_rows(result: GapResult) -> list[list[str]]:
    return [[f"{g.first} - {g.second}", interval_text(g.difference, points=True), f"{g.tasks} x {result.n}",
             "yes" if g.difference.excludes_zero() else "no"] for g in result.gaps]


def task_rows(result: GapResult, limit: int | None = MAX_TASK_ROWS) -> tuple[list[str], list[list[str]]]:
    labels = [c.condition.label for c in result.conditions]
    rows = [[r["task_id"], *("-" if r["rates"][label] is None else pct(r["rates"][label]) for label in labels),
             f"{100 * r['drop']:+.0f} pts"] for r in result.per_task()]
    return ["task", *labels, f"drop from {labels[0]}"], rows[:limit] if limit else rows


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(result: GapResult) -> str:
    headers, rows = task_rows(result)
    shown = f"the {len(rows)} tasks with the largest drop" if len(rows) < len(result.tasks) else "every task"
    return "\n\n".join([
        f"# Reality gap: {result.assistant.description or result.assistant.name}",
        f"{len(result.tasks)} tasks x {result.n} conversations per condition; what the user knows: {result.knowledge}.",
        "## Success by condition", markdown_table(CONDITION_HEADERS, condition_rows(result)),
        "## Paired gaps (per-task success rates, first minus second)", markdown_table(GAP_HEADERS, gap_rows(result)),
        f"## Per task ({shown})", markdown_table(headers, rows),
    ]) + "\n"
