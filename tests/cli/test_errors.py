"""User mistakes end in one line naming the input and the fix, exit code 2, no traceback."""

import pytest


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_missing_intents_file(run_cli):
    assert_one_line_error(run_cli("simulate", "--intents", "nope.txt"), "nope.txt", "does not exist")


def test_empty_intents_file(run_cli, home):
    (home / "empty.txt").write_text("# only a comment\n\n")
    assert_one_line_error(run_cli("simulate", "--intents", "empty.txt"), "empty.txt", "is empty")


def test_no_intents_at_all(run_cli):
    assert_one_line_error(run_cli("simulate"), "--intents")


@pytest.mark.parametrize("flag", ["--simulator", "--assistant"])
def test_unknown_backend_lists_the_valid_ones(run_cli, home, flag):
    (home / "goals.txt").write_text("plan a trip\n")
    result = run_cli("simulate", "--intents", "goals.txt", flag, "nope")
    assert_one_line_error(result, "unknown", "'nope'", "echo" if flag == "--assistant" else "scripted")
    assert not (home / "runs" / "goals").exists()


def test_bad_option_syntax(run_cli, home):
    (home / "goals.txt").write_text("plan a trip\n")
    assert_one_line_error(run_cli("simulate", "--intents", "goals.txt", "-S", "novalue"), "KEY=VALUE")


def test_bad_flag_value(run_cli, home):
    (home / "goals.txt").write_text("plan a trip\n")
    result = run_cli("simulate", "--intents", "goals.txt", "--n", "zero")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--n" in result.stderr


def test_unreachable_endpoint(run_cli, home):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (home / "goals.txt").write_text("plan a trip\n")
    result = run_cli(
        "simulate", "--intents", "goals.txt", "--simulator", "scripted", "--assistant", "openai",
        "--base-url", f"http://127.0.0.1:{port}/v1", "--assistant-model", "m",
    )
    assert_one_line_error(result, f"127.0.0.1:{port}")


def test_resume_of_a_missing_run(run_cli):
    assert_one_line_error(run_cli("simulate", "--resume", "runs/none"), "runs/none")
