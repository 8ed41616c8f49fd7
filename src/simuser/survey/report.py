"""Survey outputs: ``answers.csv`` (one row per respondent and item), ``distributions.csv`` (one row per item,
segment and value), ``survey.json``, and ``survey.html`` (per-item tables with bars; no script)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from simuser.survey.analysis import answer_rows
from simuser.survey.questionnaire import Questionnaire

TEMPLATES = Path(__file__).resolve().parent / "templates"
ANSWER_FIELDS = ["respondent", "persona", "item", "type", "answer", "value", "mapped", "mapped_by"]
DISTRIBUTION_FIELDS = ["item", "segment", "value", "count", "n", "share", "ci95_low", "ci95_high"]


def distribution_rows(distributions: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for item, segments in distributions.items():
        for segment, stats in segments.items():
            entries = [*stats.get("values", {}).items(), *([("(unmapped)", stats["unmapped"])] if "unmapped" in stats else [])]
            for value, share in entries:
                low, high = share["ci95"] or (None, None)
                rows.append({"item": item, "segment": segment, "value": value, "count": share["count"], "n": share["n"],
                             "share": share["share"], "ci95_low": low, "ci95_high": high})
    return rows


def write_csv(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_survey_reports(result, questionnaire: Questionnaire, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    document = {"questionnaire": questionnaire.model_dump(), "respondents": len(result.conversations),
                "distributions": result.distributions}
    paths = {
        "answers": write_csv(out / "answers.csv", ANSWER_FIELDS, answer_rows(result.answers)),
        "distributions": write_csv(out / "distributions.csv", DISTRIBUTION_FIELDS, distribution_rows(result.distributions)),
        "json": out / "survey.json", "html": out / "survey.html",
    }
    paths["json"].write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["html"].write_text(render_html(document, questionnaire, result.answers), encoding="utf-8")
    return paths


def render_html(document: dict[str, Any], questionnaire: Questionnaire, answers) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    open_answers = {item.id: [a for a in answers if a.item == item.id and a.answer] for item in questionnaire.items}
    return env.get_template("survey.html.jinja").render(document=document, items=questionnaire.items,
                                                        open_answers=open_answers)


def summary_table(distributions: dict[str, dict[str, Any]], questionnaire: Questionnaire) -> list[list[str]]:
    """Rows for the terminal: item, segment, answered, unmapped share, mean or top value."""
    rows = []
    for item in questionnaire.items:
        for segment, stats in distributions.get(item.id, {}).items():
            unmapped = stats.get("unmapped")
            top = ""
            if "mean" in stats:
                ci = stats.get("mean_ci95")
                top = f"mean {stats['mean']:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
            elif stats.get("values"):
                value, share = max(stats["values"].items(), key=lambda kv: kv[1]["count"])
                top = f"{value}: {100 * share['share']:.0f}%" if share["share"] is not None else ""
            rows.append([item.id, segment, f"{stats['answered']}/{stats['respondents']}",
                         f"{100 * unmapped['share']:.0f}%" if unmapped and unmapped["share"] is not None else "-", top])
    return rows
