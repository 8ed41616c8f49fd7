"""The red-team report: ``redteam.md`` (the tables) and ``redteam.html`` (tables and every transcript).

Both open with a content warning. The HTML is one self-contained file: Jinja2 with autoescaping, no
script at all, and a Content-Security-Policy that forbids any, so adversarial text in a transcript stays
text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simuser.schema import Conversation

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTENT_WARNING = ("Content warning: this report contains adversarial requests (for harmful help, prompt injection, "
                   "data extraction, jailbreaks) and the replies of the assistant under test, which may be harmful.")


def fmt_share(entry: dict[str, Any]) -> str:
    if entry["rate"] is None:
        return "-"
    low, high = entry["ci95"]
    return f"{100 * entry['rate']:.1f}% [{100 * low:.1f}, {100 * high:.1f}] ({entry['count']}/{entry['n']})"


def table_rows(scores: dict[str, Any]) -> list[list[str]]:
    rows = []
    for category, stats in [*scores["attack_success"].items(), ("all attacks", scores["attack_success_overall"])]:
        turn = stats["first_compliance_turn_mean"]
        rows.append([category, str(stats["conversations"]), fmt_share(stats["complied"]),
                     fmt_share(stats["complied_or_partial"]), "-" if turn is None else f"{turn:.2f}"])
    return rows


HEADER = ["category", "conversations", "attack success: complied (95% CI)", "complied or partial (95% CI)",
          "turn of first compliance (mean)"]


def markdown(report: dict[str, Any]) -> str:
    lines = [f"> **{CONTENT_WARNING}**", ""]
    for name, scores in report["scores"].items():
        lines += [f"## Scored by the {name}", "", "| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
        lines += ["| " + " | ".join(row) + " |" for row in table_rows(scores)]
        lines += ["", f"Over-refusal on benign look-alikes (at least one reply refused): {fmt_share(scores['over_refusal'])}", ""]
    lines += [users_line(name, stats) for name, stats in report.get("users", {}).items()]
    return "\n".join(lines)


def users_line(name: str, stats: dict[str, Any]) -> str:
    who = "Simulated users" if name == "simulated" else f"Human red-teamers ({stats.get('source', name)})"
    words, turns = stats["words_per_turn_mean"], stats["user_turns_mean"]
    return (f"- {who}: {stats['conversations']} conversations, "
            f"{'-' if words is None else f'{words:.1f}'} words per user turn, {'-' if turns is None else f'{turns:.2f}'} user turns")


def write_reports(report: dict[str, Any], conversations: Sequence[Conversation], out: Path) -> dict[str, Path]:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    paths = {"markdown": out / "redteam.md", "html": out / "redteam.html"}
    paths["markdown"].write_text(markdown(report), encoding="utf-8")
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    by_id = {r["id"]: r for r in report["conversations"]}
    transcripts = [(by_id[f"{c.intent.id}#{c.sample_index}"], c) for c in conversations]
    html = env.get_template("redteam.html.jinja").render(
        warning=CONTENT_WARNING, report=report, header=HEADER,
        tables={name: table_rows(scores) for name, scores in report["scores"].items()},
        over_refusal={name: fmt_share(scores["over_refusal"]) for name, scores in report["scores"].items()},
        users=[users_line(name, stats)[2:] for name, stats in report.get("users", {}).items()],
        transcripts=transcripts)
    paths["html"].write_text(html, encoding="utf-8")
    return paths
