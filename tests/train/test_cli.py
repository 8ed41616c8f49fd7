"""The four commands, run through the real entry point in a fresh home directory."""

from __future__ import annotations

import json

import pytest

from simuser.tokens import INTENT_PREFIX


@pytest.fixture
def run_cli(tmp_path, monkeypatch):
    from simuser.cli.app import main

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    return main


def test_flip_writes_a_dataset_and_reports_counts(run_cli, logs_file, tiny_base_dir, tmp_path, capsys):
    import datasets

    out = tmp_path / "flipped"
    assert run_cli(["flip", str(logs_file), "--out", str(out), "--model", str(tiny_base_dir), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["conversations"] == 2 and summary["samples"] == 4 + 3
    assert len(datasets.load_from_disk(str(out))) == 7


def test_train_then_perplexity_of_the_adapter(run_cli, logs_file, tiny_base_dir, tmp_path, capsys):
    out = tmp_path / "model"
    args = ["train", str(logs_file), "--out", str(out), "--model", str(tiny_base_dir), "--max-steps", "1",
            "--grad-accum", "1", "--device", "cpu"]
    assert run_cli(args) == 0
    assert "adapter=" in capsys.readouterr().out
    assert run_cli(["perplexity", str(out / "adapter"), "--conversations", str(logs_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["scoring"] == "userlm" and result["turns"] == 5 and result["value"] > 1


def test_perplexity_rejects_an_unknown_scoring(run_cli, logs_file, capsys):
    assert run_cli(["perplexity", "base", "--conversations", str(logs_file), "--scoring", "nope"]) == 2
    assert "--scoring" in capsys.readouterr().err


def test_intents_with_a_local_model(run_cli, logs_file, tiny_chat_dir, tmp_path):
    out = tmp_path / "intents.jsonl"
    args = ["intents", str(logs_file), "--out", str(out), "--model", str(tiny_chat_dir), "--device", "cpu"]
    assert run_cli(args) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and all(r["intent"].startswith(INTENT_PREFIX) or r["intent"] == "" for r in rows)
    assert run_cli(args) == 0  # a rerun finds everything done
    assert len(out.read_text().splitlines()) == 2
