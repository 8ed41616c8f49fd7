"""The whole loop through the CLI (in-process, plus one real process), offline, with the shipped fakes."""

import json


def write_goals(home):
    (home / "goals.txt").write_text("plan a weekend in Lisbon\n# a comment\nfind a vegetarian lasagna recipe\n")


def scripted(*turns):
    return ["--simulator", "scripted", "-S", "turns=" + json.dumps(list(turns)), "--assistant", "echo"]


def test_simulate_show_export_import(run_cli, home):
    write_goals(home)
    result = run_cli("simulate", "--intents", "goals.txt", "--n", "2", "--out", "runs/demo", *scripted("hi there", "thanks"))
    assert result.returncode == 0, result.stderr
    assert "run summary" in result.stdout and "user_ended" in result.stdout
    lines = (home / "runs/demo/conversations.jsonl").read_text().splitlines()
    assert len(lines) == 4
    record = json.loads(lines[0])
    assert record["intent"]["text"].startswith("You are a user chatting with an assistant language model to")
    assert [m["content"] for m in record["messages"]] == ["hi there", "You said: hi there", "thanks", "You said: thanks"]
    assert record["end_reason"] == "user_ended"
    run = json.loads((home / "runs/demo/run.json").read_text())
    assert run["status"] == "finished" and run["config"]["n"] == 2

    shown = run_cli("show", "runs/demo", "--limit", "1")
    assert shown.returncode == 0 and "hi there" in shown.stdout and "1 of 4" in shown.stdout

    assert run_cli("export", "runs/demo", "--out", "chat.jsonl").returncode == 0
    chat = [json.loads(line) for line in (home / "chat.jsonl").read_text().splitlines()]
    first = chat[0]["messages"][0]
    assert (first["role"], first["content"]) == ("user", "hi there") and "batch_size" in first["metadata"]
    assert run_cli("import", "chat.jsonl", "--out", "runs/imported").returncode == 0
    assert len((home / "runs/imported/conversations.jsonl").read_text().splitlines()) == 4


def test_max_turns_and_resume_after_interrupt(run_cli, home):
    write_goals(home)
    args = ("simulate", "--intents", "goals.txt", "--max-turns", "1", "--out", "runs/r", *scripted("one", "two"))
    assert run_cli(*args).returncode == 0
    path = home / "runs/r/conversations.jsonl"
    first, second = path.read_text().splitlines(keepends=True)
    assert json.loads(first)["end_reason"] == "max_turns"
    path.write_text(first + second[:25])  # the second conversation was torn by a crash
    resumed = run_cli("simulate", "--resume", "runs/r")
    assert resumed.returncode == 0, resumed.stderr
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and lines[0] + "\n" == first
    assert {json.loads(line)["intent"]["id"] for line in lines} == {json.loads(first)["intent"]["id"], json.loads(second)["intent"]["id"]}


def test_rerunning_into_an_existing_run_is_refused(run_cli, home):
    write_goals(home)
    args = ("simulate", "--intents", "goals.txt", "--out", "runs/x", *scripted("one"))
    assert run_cli(*args).returncode == 0
    again = run_cli(*args)
    assert again.returncode == 2 and "--resume" in again.stderr


def test_the_installed_entry_point_end_to_end(run_process, home):
    """One real process: the module entry point, exit codes, stdout and the one-line error on stderr."""
    write_goals(home)
    result = run_process("simulate", "--intents", "goals.txt", "--out", "runs/e2e", *scripted("hi", "bye"))
    assert result.returncode == 0 and "run summary" in result.stdout, result.stderr
    again = run_process("simulate", "--intents", "nope.txt")
    assert again.returncode == 2 and "Traceback" not in again.stderr and "nope.txt" in again.stderr


def test_the_plan_names_a_custom_adapter_instead_of_the_shipped_models_training(capsys):
    from types import SimpleNamespace

    from simuser.cli.simulate import _print_plan
    from simuser.schema import ComponentSpec

    def plan(options):
        config = SimpleNamespace(intents=[1, 2], n=3, max_turns=4, out="runs/x",
                                 simulator=ComponentSpec(name="userlm", options=options))
        _print_plan(config)
        return " ".join(capsys.readouterr().out.split())

    assert "trained on MTRAG-UN users" in plan({"model": "default"})
    custom = plan({"model": "default", "adapter": "/ckpt/v4/adapter"})
    assert "the adapter /ckpt/v4/adapter" in custom and "MTRAG-UN" not in custom
