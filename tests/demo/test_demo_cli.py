import inspect
import json

from simuser.cli.app import main
from simuser.cli.demo import demo_command
from simuser.demo import DemoConfig


def test_cli_defaults_match_the_library():
    flags = inspect.signature(demo_command).parameters
    config = DemoConfig()
    for name in ("intents_count", "n", "max_turns", "seed", "simulator", "assistant", "embedder", "query_mode",
                 "userlm", "report"):
        assert flags[name].default == getattr(config, name), name


def test_demo_command_offline_with_fakes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    code = main([
        "demo", "--assistant", "echo", "--embedder", "hashing", "--simulator", "scripted",
        "-S", 'turns=["my child faints in the bath", "is it an allergy?"]', "--intents-count", "2",
        "--max-turns", "2", "--out", "out", "--no-report", "--no-userlm", "--quiet",
    ])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "reality gap" in output and "condition 'userlm' skipped: --no-userlm" in output
    summary = json.loads((tmp_path / "out" / "demo_summary.json").read_text())
    assert [row["condition"] for row in summary["reality_gap"]] == ["original", "prompted"]
    assert summary["reality_gap"][1]["user_turns"] == 2.0
    assert len(summary["turn_ranks"]) == 2 + 4
    assert not any(r["recorded"] for r in summary["turn_ranks"])  # echo records no retrieval: queries rebuilt


def test_demo_refuses_a_non_empty_out(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    assert main(["demo", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "not empty" in capsys.readouterr().err


def test_unreachable_endpoint_is_one_line(tmp_path, capsys):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["demo", "--out", str(tmp_path / "out"), "--assistant-base-url", f"http://127.0.0.1:{port}/v1",
                 "--assistant-model", "m", "--quiet"])
    assert code == 2
    assert "--assistant-base-url" in capsys.readouterr().err
