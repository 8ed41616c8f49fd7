"""`simuser evaluate` and `simuser compare` end to end, in an isolated home; bad inputs are one line."""

import json

import pytest

from simuser.cli.app import main

PREFIX = "You are a user chatting with an assistant language model to"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIMUSER_CACHE_DIR", str(tmp_path / "home" / ".cache" / "simuser"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)


def one_error_line(capsys, *fragments):
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_evaluate_writes_both_files(hostile_run, tmp_path, capsys):
    assert main(["evaluate", str(hostile_run), "--out", "out", "--detector", "none"]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["metrics"]["pace"] == pytest.approx(2.0)
    assert (tmp_path / "out" / "report.html").stat().st_size > 1000
    assert "First-turn diversity" in capsys.readouterr().out


def test_evaluate_empty_run(tmp_path, capsys):
    (tmp_path / "empty.jsonl").write_text("")
    assert main(["evaluate", "empty.jsonl", "--out", "out"]) == 2
    one_error_line(capsys, "empty.jsonl", "no conversations")


def test_evaluate_first_turns_only_reports_what_it_can(tmp_path, capsys):
    records = [{"intent": f"{PREFIX} say hi", "messages": [{"role": "user", "content": text}]}
               for text in ("hi there", "hello, who are you?")]
    (tmp_path / "single.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["evaluate", "single.jsonl", "--out", "out", "--detector", "none"]) == 0
    out = capsys.readouterr().out
    assert "first turns only" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "first_turn_diversity" in report["metrics"] and "pace" in report["not_computed"]


def test_evaluate_reference_without_intents(hostile_run, tmp_path, capsys):
    (tmp_path / "ref.jsonl").write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    assert main(["evaluate", str(hostile_run), "--out", "out", "--reference", "ref.jsonl", "--detector", "none"]) == 2
    one_error_line(capsys, "ref.jsonl", "no intent")


def test_evaluate_unknown_detector_lists_the_valid_ones(hostile_run, capsys):
    assert main(["evaluate", str(hostile_run), "--out", "out", "--detector", "nope"]) == 2
    one_error_line(capsys, "nope", "offline", "pangram")


def test_compare_two_runs(hostile_run, tmp_path, capsys):
    assert main(["compare", str(hostile_run), str(hostile_run), "--out", "cmp", "--detector", "none"]) == 0
    table = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert len(table["runs"]) == 2 and (tmp_path / "cmp" / "compare.html").exists()
    assert "simulators side by side" in capsys.readouterr().out


def test_compare_needs_two_runs(hostile_run, capsys):
    assert main(["compare", str(hostile_run)]) == 2
    one_error_line(capsys, "two or more runs")
