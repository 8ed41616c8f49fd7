"""Reports: report.json + report.html for one run, compare.json + compare.html for several.

The JSON is the record (metric name -> value, what was not computed and why, the human reference's
values, the paper's values); the HTML is the same numbers for people, with plots and a conversation
browser, in one file that opens offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simuser.metrics.evaluate import EvaluateOptions, RunEvaluation, evaluate_run
from simuser.redact import mask_known, redact
from simuser.store.atomic import atomic_write_text, refuse_overwrite

__all__ = ["Comparison", "compare_runs", "comparison_table", "write_comparison", "write_report"]

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"


def write_report(evaluation: RunEvaluation, out_dir: Path | str) -> dict[str, Path]:
    """Write ``report.json`` and ``report.html`` into ``out_dir``; returns their paths."""
    from simuser.report.html import render_report

    out = Path(out_dir)
    document = evaluation.to_json()
    from simuser.report.assistant import assistant_section

    assistant = assistant_section(list(evaluation.conversations))  # task runs: how the assistant fared
    if assistant is not None:
        document["assistant"] = assistant
    document = redact(document)
    paths = {"json": out / REPORT_JSON, "html": out / REPORT_HTML}
    _refuse_inputs(paths.values(), [evaluation.source])
    atomic_write_text(paths["json"], json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    html = render_report(document, evaluation.conversations, evaluation.reference_conversations)
    atomic_write_text(paths["html"], mask_known(html))  # the document is redacted above
    return paths


def _refuse_inputs(outputs: Iterable[Path], sources: Iterable[Path | str]) -> None:
    """A report never replaces a file it was computed from (e.g. a chat JSONL named report.json)."""
    for output in outputs:
        refuse_overwrite(output, [Path(s) for s in sources], "--out")


@dataclass
class Comparison:
    labels: list[str]
    evaluations: list[RunEvaluation]

    def table(self) -> dict[str, Any]:
        return comparison_table(self.labels, [e.to_json() for e in self.evaluations])


def compare_runs(sources: Sequence[Path | str], options: EvaluateOptions | None = None) -> Comparison:
    """Evaluate every run the same way (same reference, same options)."""
    return Comparison(run_labels(sources), [evaluate_run(source, options) for source in sources])


def run_labels(sources: Sequence[Path | str]) -> list[str]:
    """Short unique labels: the directory or file name, numbered when two are the same."""
    names = [Path(s).stem if Path(s).is_file() else Path(s).name for s in sources]
    return [f"{n} ({i + 1})" if names.count(n) > 1 else n for i, n in enumerate(names)]


def comparison_table(labels: Sequence[str], reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Rows of metric values (headline and sub-values) per run, with the reference and the paper."""
    from simuser.report.html import DIRECTION_TEXT, format_value

    first = reports[0]
    rows = []
    for name, info in first["metric_info"].items():
        keys = sorted({k for r in reports for k in r["metrics"] if k.startswith(f"{name}.")})
        for key in [name, *keys]:
            unit = info["unit"] if key == name else ("%" if key.endswith(("percent", ".judge")) else "")
            cells = [{"text": format_value(r["metrics"].get(key), unit), "value": r["metrics"].get(key),
                      "reason": r["not_computed"].get(key, "")} for r in reports]
            reference = first["reference"]["metrics"].get(key)
            paper = ", ".join(f"{who} {format_value(v, unit, digits=2)}" for who, v in first["paper"].get(key, {}).items())
            title = info["title"] if key == name else f"  {key[len(name) + 1:].replace('_', ' ')}"
            rows.append({"key": key, "title": title, "direction": DIRECTION_TEXT[info["direction"]] if key == name else "",
                         "cells": cells, "reference": format_value(reference, unit), "paper": paper})
    runs = [{"label": label, "source": r["source"], "run": r["run"]} for label, r in zip(labels, reports, strict=True)]
    return {"runs": runs, "rows": rows, "reference": {k: v for k, v in first["reference"].items() if k != "metrics"}}


def write_comparison(comparison: Comparison, out_dir: Path | str) -> dict[str, Path]:
    from simuser.report.html import render_comparison

    out = Path(out_dir)
    table = comparison.table()
    from simuser.report.assistant import assistant_section

    sections = [assistant_section(list(e.conversations)) for e in comparison.evaluations]
    table["assistant"] = sections if any(sections) else None
    table = redact(table)
    paths = {"json": out / "compare.json", "html": out / "compare.html"}
    _refuse_inputs(paths.values(), [e.source for e in comparison.evaluations])
    atomic_write_text(paths["json"], json.dumps(table, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    runs = [(label, e.conversations) for label, e in zip(comparison.labels, comparison.evaluations, strict=True)]
    reference = comparison.evaluations[0].reference_conversations
    atomic_write_text(paths["html"], mask_known(render_comparison(table, runs, reference)))  # table redacted above
    return paths
