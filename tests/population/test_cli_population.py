"""`simuser simulate --population` end to end in process, and the per-persona table in the report."""

from __future__ import annotations

import json

import pytest

from simuser.cli.app import main

POPULATION = """
- {name: terse, weight: 1, description: writes very short messages}
- {name: verbose, weight: 1, description: writes long messages}
"""


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SIMUSER_CACHE_DIR", str(tmp_path / "home" / ".cache" / "simuser"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)


def test_simulate_with_a_population_then_evaluate_breaks_down_by_persona(tmp_path):
    (tmp_path / "goals.txt").write_text("plan a weekend in Lisbon\nfind a lasagna recipe\n")
    (tmp_path / "people.yaml").write_text(POPULATION)
    scripted = ["--simulator", "scripted", "-S", 'turns=["hi there", "and then what"]', "--assistant", "echo"]
    args = ["simulate", "--intents", "goals.txt", "--n", "6", "--out", "run", "--population", "people.yaml", "-q"]
    assert main([*args, *scripted]) == 0
    records = [json.loads(line) for line in (tmp_path / "run/conversations.jsonl").read_text().splitlines()]
    names = [r["metadata"]["persona"]["name"] for r in records]
    assert len(names) == 12 and set(names) == {"terse", "verbose"}
    assert main(["evaluate", "run", "--out", "report", "--detector", "none"]) == 0
    report = json.loads((tmp_path / "report/report.json").read_text())
    assert {name: row["conversations"] for name, row in report["by_persona"].items()} == dict(
        sorted({n: names.count(n) for n in set(names)}.items()))
    assert report["by_persona"]["terse"]["words_per_turn_mean"] == 2.5  # "hi there", "and then what"
    metrics = report["by_persona"]["terse"]["metrics"]
    assert metrics["pace"] == 2.0 and set(metrics) >= {"first_turn_diversity", "lexical_diversity", "pace"}
    html = (tmp_path / "report/report.html").read_text()
    assert "By persona" in html and "<td>verbose</td>" in html


def test_bad_population_flag_is_one_line(tmp_path, capsys):
    (tmp_path / "goals.txt").write_text("plan a weekend\n")
    (tmp_path / "people.yaml").write_text("- {name: a}\n")
    code = main(["simulate", "--intents", "goals.txt", "--population", "people.yaml", "--assistant", "echo",
                 "--simulator", "scripted", "-S", 'turns=["hi"]'])
    assert code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "people.yaml" in err[0] and "description" in err[0]
