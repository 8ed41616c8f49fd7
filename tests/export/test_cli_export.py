"""`simuser export` flags in process; bad flags are one line."""

from __future__ import annotations

import pytest

from simuser.cli.app import main


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)


def test_export_hf_with_filters_and_dedup(run_dir, tmp_path, capsys):
    import datasets

    code = main(["export", str(run_dir), "--out", "hf", "--format", "hf", "--where", "end_reason=user_ended",
                 "--persona", "terse", "--dedup", "near"])
    assert code == 0
    assert datasets.load_from_disk("hf")["intent_id"] == ["a"]  # b is an exact duplicate of a
    out = capsys.readouterr().out
    assert "1 of 5 conversations" in out and "1 exact, 0 near" in out and "hf/README.md" in out


@pytest.mark.parametrize(("args", "fragment"), [
    (["--where", "end_reason"], "write KEY=VALUE"),
    (["--dedup", "fuzzy"], "choose one of none, exact, near"),
    (["--format", "xml"], "unknown export format 'xml'"),
    (["--min-turns", "9"], "no conversation left"),
])
def test_bad_export_flags_are_one_line(run_dir, capsys, args, fragment):
    assert main(["export", str(run_dir), "--out", "x.jsonl", *args]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and fragment in err[0]
