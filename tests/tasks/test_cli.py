import json

import pytest

from simuser.cli.app import main

SOLVER = "def reply(messages):\n    return 'The answer is 120.' if len(messages) >= 3 else 'Maybe 7?'\n"
TASK = {"id": "g17", "intent": "work out a bakery's income", "question": "A bakery sells 40 muffins at 3 dollars. How many dollars?",
        "check": {"type": "number", "answer": 120}}
USER = ["-S", 'turns=["how much money?", "are you sure?", "thanks"]']


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "solver.py").write_text(SOLVER)
    (tmp_path / "tasks.jsonl").write_text(json.dumps(TASK) + "\n")
    return tmp_path


def simulate(*extra: str) -> int:
    return main(["simulate", "--tasks", "tasks.jsonl", "--simulator", "scripted", *USER, "--assistant", "callable",
                 "-A", "target=solver.py:reply", "--n", "2", "--max-turns", "3", "-q", *extra])


def test_simulate_tasks_stops_at_success_and_score_json_reads_it_back(workdir, capsys):
    assert simulate("--out", "run") == 0
    capsys.readouterr()
    assert main(["score", "run", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert (scored["success_rate"], scored["n"], scored["tasks"]) == (1.0, 2, 1)
    assert scored["end_reasons"] == {"task_solved": 2} and scored["mean_turns_to_success"] == 2


def test_keep_going_runs_to_max_turns(workdir, capsys):
    assert simulate("--out", "run", "--keep-going") == 0
    capsys.readouterr()
    assert main(["score", "run", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["end_reasons"] == {"max_turns": 2} and scored["final_pass_rate"] == 1.0


def test_gap_writes_runs_tables_and_report(workdir, capsys):
    code = main(["gap", "--tasks", "tasks.jsonl", "--conditions", "original,scripted", *USER, "--assistant", "callable",
                 "-A", "target=solver.py:reply", "--n", "2", "--max-turns", "3", "--out", "gap", "-q"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| original - scripted | -100.0 pts [-100.0, -100.0] | 1 x 2 | yes |" in printed
    for name in ("gap.json", "gap.md", "report.html", "original/run.json", "scripted/conversations.jsonl"):
        assert (workdir / "gap" / name).is_file()
    html = (workdir / "gap" / "report.html").read_text()
    assert "f-solved" in html and "answer 120" in html and "<script" not in html


@pytest.mark.parametrize(("record", "message"), [
    ({k: v for k, v in TASK.items() if k != "check"}, "task 'g17'"),
    ({**TASK, "check": {"type": "python", "function": "nowhere:fn"}}, "task 'g17': target 'nowhere:fn'"),
])
def test_bad_tasks_exit_2_with_one_line(workdir, capsys, record, message):
    (workdir / "tasks.jsonl").write_text(json.dumps(record) + "\n")
    assert simulate("--out", "run") == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and not (workdir / "run").exists()


def test_score_of_a_run_without_tasks_is_a_user_error(workdir, capsys):
    (workdir / "goals.txt").write_text("plan a trip\n")
    assert main(["simulate", "-i", "goals.txt", "--simulator", "scripted", "-S", 'turns=["hi"]', "--assistant", "echo",
                 "--out", "plain", "-q"]) == 0
    assert main(["score", "plain"]) == 2
    assert "no task conversation" in capsys.readouterr().err


def test_gap_report_escapes_model_text_and_runs_no_script(workdir):
    (workdir / "evil.py").write_text("def reply(messages):\n    return '<script>alert(1)</script> 120'\n")
    code = main(["gap", "--tasks", "tasks.jsonl", "--conditions", "original", "--assistant", "callable",
                 "-A", "target=evil.py:reply", "--out", "gap", "-q"])
    assert code == 0
    html = (workdir / "gap" / "report.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; 120" in html
    assert "default-src 'none'" in html


def test_knowledge_shards_reaches_the_simulator_and_resume_keeps_checking(workdir, capsys):
    record = {**TASK, "shards": ["How many dollars?", "40 muffins.", "3 dollars each."]}
    (workdir / "tasks.jsonl").write_text(json.dumps(record) + "\n")
    assert simulate("--out", "run", "--knowledge", "shards") == 0
    stored = json.loads((workdir / "run" / "conversations.jsonl").read_text().splitlines()[0])
    assert stored["intent"]["text"].endswith("1. How many dollars?\n2. 40 muffins.\n3. 3 dollars each.")
    records = workdir / "run" / "conversations.jsonl"
    records.write_text(records.read_text().splitlines()[0] + "\n")  # as if killed before the second finished
    assert main(["simulate", "--resume", "run", "-q"]) == 0
    resumed = json.loads(records.read_text().splitlines()[1])
    assert resumed["end_reason"] == "task_solved"
    assert [m["metadata"]["check"]["passed"] for m in resumed["messages"] if m["role"] == "assistant"] == [False, True]


def test_evaluate_and_compare_show_the_assistant_section(workdir, capsys, monkeypatch):
    monkeypatch.setenv("SIMUSER_CACHE_DIR", str(workdir / "cache"))
    assert simulate("--out", "solved") == 0
    assert main(["simulate", "--tasks", "tasks.jsonl", "--simulator", "scripted", "-S", 'turns=["hi", "hello?"]',
                 "--assistant", "echo", "--max-turns", "2", "--out", "failed", "-q"]) == 0
    assert main(["evaluate", "solved", "--out", "rep", "--detector", "none"]) == 0
    report = json.loads((workdir / "rep" / "report.json").read_text())
    assert report["assistant"]["success_rate"] == 1.0 and report["assistant"]["n"] == 2
    assert "Assistant: task success" in (workdir / "rep" / "report.html").read_text()
    assert main(["compare", "solved", "failed", "--out", "cmp", "--detector", "none"]) == 0
    table = json.loads((workdir / "cmp" / "compare.json").read_text())
    assert [s["success_rate"] for s in table["assistant"]] == [1.0, 0.0]
    assert "0.0% [0.0%, 79.3%] (1 tasks x 1)" in (workdir / "cmp" / "compare.html").read_text()


@pytest.mark.parametrize(("flags", "message"), [
    (["--conditions", "original,nosuch"], "unknown simulator 'nosuch'"),
    (["--assistant", "nosuch"], "unknown assistant 'nosuch'"),
    (["--suite", "nosuch"], "pass exactly one of --tasks FILE or --suite NAME"),
])
def test_gap_bad_flags_write_nothing(workdir, capsys, flags, message):
    assert main(["gap", "--tasks", "tasks.jsonl", "--out", "gap", "-q", *flags]) == 2
    assert message in capsys.readouterr().err and not (workdir / "gap").exists()
