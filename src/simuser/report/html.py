"""Rendering report.html and compare.html: one self-contained file each (inline CSS, JS and SVG).

Safety: every piece of model or user text reaches the page either through Jinja2 with autoescaping on,
or as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&`` written as ``\\u003c``
etc. (so no ``</script>`` can close the block), and the browser script puts it on the page with
``textContent`` only, never ``innerHTML``. On top of that, the page's Content-Security-Policy allows only
the one inline script whose SHA-256 it names, so an injected script or event handler could not run even
if escaping failed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from simuser.metrics import TEXT_METRICS
from simuser.report import plots
from simuser.schema import Conversation

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_BROWSER_CONVERSATIONS = 1000
DIRECTION_TEXT = {"higher": "higher is better", "lower": "lower is better", "closer": "closer to human is better"}


@dataclass
class Row:
    label: str
    values: list[str]


@dataclass
class Card:
    name: str
    title: str
    direction: str
    value: str
    reason: str = ""
    reference: str = ""
    paper: list[tuple[str, str]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    note: str = ""


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render_report(report: dict[str, Any], conversations: Sequence[Conversation],
                  reference: Sequence[Conversation]) -> str:
    """report.html for one evaluated run (``report`` is the report.json document)."""
    cards = [metric_card(name, report) for name in report["metric_info"]]
    charts = distribution_charts([("this run", conversations), ("human reference", reference)])
    shown = list(conversations)[:MAX_BROWSER_CONVERSATIONS]
    script = browser_script()
    return environment().get_template("report.html.jinja").render(
        report=report, cards=cards, charts=charts, data_json=browser_json(shown),
        browser_js=Markup(script), script_hash=script_hash(script),
        shown=len(shown), total=len(conversations),
        end_reasons=sorted({c.end_reason.value if c.end_reason else "unfinished" for c in conversations}),
        text_metrics=[m for m in TEXT_METRICS if m in report["metric_info"]], format_value=format_value,
    )


def render_comparison(table: dict[str, Any], runs: Sequence[tuple[str, Sequence[Conversation]]],
                      reference: Sequence[Conversation]) -> str:
    """compare.html: the runs side by side with the human reference and the paper."""
    charts = distribution_charts([*runs, ("human reference", reference)])
    return environment().get_template("compare.html.jinja").render(table=table, charts=charts)


def browser_script() -> str:
    return (TEMPLATES / "browser.js").read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """The CSP source for exactly this inline script: nothing else on the page may run."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def metric_card(name: str, report: dict[str, Any]) -> Card:
    info = report["metric_info"][name]
    unit = info["unit"]
    values, reference = report["metrics"], report["reference"]["metrics"]
    card = Card(name=name, title=info["title"], direction=DIRECTION_TEXT[info["direction"]],
                value=format_value(values.get(name), unit))
    card.reason = report["not_computed"].get(name, "")
    card.reference = format_value(reference.get(name), unit) if name in reference else "n/a"
    card.paper = [(who, format_value(v, unit, digits=2)) for who, v in report["paper"].get(name, {}).items()]
    card.note = report["paper_notes"].get(name, "")
    prefix = f"{name}."
    for key in sorted({k for k in [*values, *reference] if k.startswith(prefix)}):
        sub_unit = "%" if key.endswith("percent") or key.endswith(".judge") else ""
        card.rows.append(Row(key[len(prefix):].replace("_", " "),
                             [format_value(values.get(key), sub_unit), format_value(reference.get(key), sub_unit)]))
    return card


def format_value(value: float | None, unit: str, digits: int | None = None) -> str:
    """1 decimal for percentages, 2 otherwise (``digits`` overrides: the paper's numbers keep theirs)."""
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:.{1 if digits is None else digits}f}%"
    return f"{value:.{2 if digits is None else digits}f}"


def distribution_charts(series: Sequence[tuple[str, Sequence[Conversation]]]) -> list[Markup]:
    words = [plots.Distribution(label, plots.words_per_turn(cs)) for label, cs in series]
    turns = [plots.Distribution(label, plots.turns_per_conversation(cs)) for label, cs in series]
    return [
        plots.bar_chart("Words per user turn", plots.word_bin_labels(), words, "words per user turn (% of turns)"),
        plots.bar_chart("User turns per conversation", plots.turn_bin_labels(), turns,
                        "user turns per conversation (% of conversations)"),
    ]


def browser_json(conversations: Sequence[Conversation]) -> Markup:
    """Conversations for the browser, as JSON that is safe inside a <script> element."""
    records = [_browser_record(i, c) for i, c in enumerate(conversations)]
    return Markup(script_safe_json(records))


def script_safe_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _browser_record(index: int, conversation: Conversation) -> dict[str, Any]:
    return {
        "n": index,
        "id": f"{conversation.intent.id} #{conversation.sample_index}",
        "intent": conversation.intent.text,
        "end": conversation.end_reason.value if conversation.end_reason else "unfinished",
        "error": conversation.error or "",
        "messages": [{"role": m.role, "content": m.content} for m in conversation.messages],
    }
