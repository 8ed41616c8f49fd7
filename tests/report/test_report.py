"""report.json and report.html: the record, the page, and the page's safety in a real browser."""

import json
import re

import pytest

from simuser.metrics.evaluate import EvaluateOptions, evaluate_run
from simuser.report import compare_runs, write_comparison, write_report
from simuser.report.html import script_safe_json

FAST = EvaluateOptions(detector="none")


@pytest.fixture
def report_dir(hostile_run, tmp_path):
    write_report(evaluate_run(hostile_run, FAST), tmp_path / "out")
    return tmp_path / "out"


def test_report_json_lists_values_reasons_reference_and_paper(report_dir):
    report = json.loads((report_dir / "report.json").read_text())
    assert report["metrics"]["pace"] == pytest.approx(2.0)
    assert report["metrics"]["pace.user_ended_percent"] == pytest.approx(100 * 2 / 3)
    assert "naturalness" in report["not_computed"]
    assert report["reference"]["metrics"]["pace"] > 1
    assert report["paper"]["termination_f1"] == {"UserLM-8b": 63.54, "GPT-4o": 1.38}
    assert list(report["metric_info"])[0] == "first_turn_diversity"


def test_report_files_are_identical_across_two_evaluations(hostile_run, tmp_path):
    for name in ("a", "b"):
        write_report(evaluate_run(hostile_run, FAST), tmp_path / name)
    for file in ("report.json", "report.html"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_html_is_self_contained_and_escapes_model_text(report_dir):
    html = (report_dir / "report.html").read_text()
    assert "<script>window.__pwned" not in html and "<img src=x" not in html and "</script><script>document" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing loaded from the network
    assert html.count("<svg") == 2 and 'id="metric-first_turn_diversity"' in html
    assert "Content-Security-Policy" in html and "sha256-" in html


def test_script_safe_json_cannot_close_a_script_element():
    text = script_safe_json({"x": "</script><b>&amp;"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><b>&amp;"}


def test_page_renders_in_chromium_without_console_errors_and_payloads_stay_text(report_dir, dump_dom):
    dom, console = dump_dom(report_dir / "report.html")
    assert console == []
    assert "<title>simuser realism report</title>" in dom
    assert "pwned" not in dom.split("</title>")[0]  # no payload changed the title
    assert not re.search(r"<body[^>]*data-pwned", dom)  # nor ran its onerror handler
    assert "3 of 3 conversations" in dom  # the browser script ran (the CSP hash matches it)
    assert 'class="message user"' in dom  # the first conversation is open, its messages rendered...
    assert "&lt;script&gt;window.__pwned=1" in dom  # ...with the payload as visible text


@pytest.fixture
def comparison_paths(hostile_run, tmp_path):
    return write_comparison(compare_runs([hostile_run, hostile_run], FAST), tmp_path / "cmp")


def test_compare_puts_runs_side_by_side(comparison_paths):
    table = json.loads(comparison_paths["json"].read_text())
    assert [r["label"] for r in table["runs"]] == ["hostile (1)", "hostile (2)"]
    pace = next(row for row in table["rows"] if row["key"] == "pace")
    assert [c["value"] for c in pace["cells"]] == [pytest.approx(2.0), pytest.approx(2.0)]
    assert pace["reference"] != "-"


def test_compare_page_renders_in_chromium(comparison_paths, dump_dom):
    dom, console = dump_dom(comparison_paths["html"])
    assert console == [] and "Simulators side by side" in dom and "pwned" not in dom.split("</title>")[0]
