import json

import pytest
from task_fakes import PROBLEMS, FactAssistant, SecondTimeRight

from simuser.schema import ComponentSpec, EndReason
from simuser.store import read_conversations
from simuser.tasks import load_tasks, score, simulate_tasks, task_config
from simuser.tasks.reality_gap import gap
from simuser.tasks.stats import paired_bootstrap, task_success

ASK_TWICE = ComponentSpec(name="scripted", options={"turns": ["What is it?", "Are you sure?", "And now?"]})


def test_stops_at_the_first_passing_reply_with_task_solved(tasks_file, tmp_path):
    config = task_config(load_tasks(tasks_file)[:1], simulator=ASK_TWICE, max_turns=3, out=tmp_path / "run")
    result = simulate_tasks(config, assistant=SecondTimeRight())
    (conversation,) = result.conversations
    assert conversation.end_reason is EndReason.TASK_SOLVED
    assert [m.metadata["check"]["passed"] for m in conversation.assistant_turns] == [False, True]
    assert conversation.assistant_turns[0].metadata["check"]["answer"] == "7"
    stored = read_conversations(tmp_path / "run")[0]
    assert stored.assistant_turns[1].metadata["check"]["status"] == "passed"
    assert stored.intent.metadata["task"]["check"] == {"type": "number", "answer": 120}


def test_keep_going_lets_the_user_go_on(tasks_file):
    config = task_config(load_tasks(tasks_file)[:1], simulator=ASK_TWICE, max_turns=3, stop_when_solved=False)
    (conversation,) = simulate_tasks(config, assistant=SecondTimeRight()).conversations
    assert conversation.end_reason is EndReason.MAX_TURNS
    assert [m.metadata["check"]["passed"] for m in conversation.assistant_turns] == [False, True, True]
    scored = score([conversation])
    assert (scored.success_rate, scored.final_pass_rate, scored.mean_turns_to_success) == (1.0, 1.0, 2)


def test_a_raising_check_marks_check_error_and_the_run_goes_on(tmp_path, monkeypatch):
    (tmp_path / "boom_rules.py").write_text("def boom(conversation, task):\n    raise ValueError('bad rule')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "t.jsonl"
    records = [{"id": "a", "intent": "x", "question": "q", "check": {"type": "python", "function": "boom_rules:boom"}},
               {"id": "b", "intent": "x", "question": "q", "check": {"type": "contains", "answer": "q"}}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    config = task_config(load_tasks(path), simulator=ComponentSpec(name="original"), max_turns=2)
    result = simulate_tasks(config, assistant=_echo())
    by_id = {c.intent.id: c for c in result.conversations}
    check = by_id["a"].assistant_turns[0].metadata["check"]
    assert check["status"] == "check_error" and "ValueError: bad rule" in check["error"]
    assert by_id["a"].end_reason is EndReason.USER_ENDED
    assert by_id["b"].end_reason is EndReason.TASK_SOLVED
    assert score(result.conversations).check_errors == 1


def _echo():
    from simuser.assistants.echo import EchoAssistant

    return EchoAssistant()


def test_gap_original_beats_a_user_that_never_gives_the_facts(tasks_file, tmp_path):
    silent = "silent=scripted:turns=[\"Can you help me with a math problem?\",\"I forgot the details, sorry.\"]"
    result = gap(load_tasks(tasks_file), f"original,{silent}", assistant=FactAssistant(), n=2, max_turns=2,
                 out=tmp_path / "gap")
    original, never = (c.score for c in result.conditions)
    assert (original.success_rate, never.success_rate) == (1.0, 0.0)
    assert (len(original.tasks), original.n, len(original.conversations)) == (5, 2, 10)
    (pair,) = result.gaps
    assert (pair.first, pair.second, pair.tasks) == ("original", "silent", 5)
    assert pair.difference.estimate == 1.0 and pair.difference.excludes_zero()
    assert never.coverage == 0.0 and original.coverage == 1.0
    written = json.loads((tmp_path / "gap" / "gap.json").read_text())
    assert written["conditions"][0]["success_rate"] == 1.0 and written["gaps"][0]["excludes_zero"] is True
    assert "| original - silent | +100.0 pts [+100.0, +100.0] | 5 x 2 | yes |" in (tmp_path / "gap" / "gap.md").read_text()
    for condition in result.conditions:  # re-scoring the stored run gives the run's numbers
        assert score(tmp_path / "gap" / condition.condition.label).to_json() == condition.score.to_json()


def test_gap_with_a_user_revealing_shards_one_turn_at_a_time(tasks_file):
    script = {task_id: [s.strip() + "." for s in q.split(".") if s.strip()][::-1] for task_id, q, _ in PROBLEMS}
    shards = ComponentSpec(name="scripted", options={"script": script})
    config = task_config(load_tasks(tasks_file), "shards", simulator=shards, max_turns=3)
    scored = score(simulate_tasks(config, assistant=FactAssistant()).conversations)
    assert scored.success_rate == 1.0 and scored.mean_turns_to_success == 2
    assert scored.coverage == 1.0


def test_coverage_counts_shards_whose_numbers_and_words_reached_the_assistant():
    from simuser.schema import Conversation, Intent, Message
    from simuser.tasks import Task
    from simuser.tasks.coverage import coverage

    task = Task(id="c", intent="x", question="q", check={"type": "number", "answer": 1},
                shards=["How many eggs in total?", "The farm has 25 hens.", "Each hen lays 4 eggs."])
    said = [Message(role="user", content="how many eggs altogether? we have 25 hens")]
    assert coverage(task, Conversation(intent=Intent(id="c", text="x"), messages=said)) == pytest.approx(2 / 3)


def test_wilson_and_paired_bootstrap_by_hand():
    interval = task_success([(1, 1)] * 5 + [(0, 1)] * 5)  # one conversation per task: the plain Wilson interval
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.2366, 0.7634)
    none_solved = task_success([(0, 1)] * 10)
    assert none_solved.low == 0.0 and round(none_solved.high, 4) == 0.2775
    same = paired_bootstrap([1, 0, 1, 0], [1, 0, 1, 0])
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0)
    mixed = paired_bootstrap([1, 1, 0, 1], [0, 1, 1, 0], seed=3)
    assert mixed.estimate == 0.25 and mixed.low < 0 < mixed.high


def test_a_judge_check_runs_on_the_engine_loop_and_records_its_rationale(tmp_path):
    record = {"id": "j1", "intent": "get an apology", "question": "Apologise for the late parcel.",
              "check": {"type": "judge", "rubric": "The reply apologises.",
                        "model": {"name": "callable", "options": {"target": "task_fakes:strict_judge"}}}}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(record) + "\n")
    config = task_config(load_tasks(path), simulator=ASK_TWICE, max_turns=3)
    (conversation,) = simulate_tasks(config, assistant=SecondTimeRight()).conversations
    checks = [m.metadata["check"] for m in conversation.assistant_turns]
    assert [c["answer"] for c in checks] == ["FAIL", "PASS"] and checks[1]["reason"] == "the reply apologises."
    assert conversation.end_reason is EndReason.TASK_SOLVED


def test_the_python_api_names_what_the_cli_calls():
    import simuser.tasks as api

    assert api.gap is gap and callable(api.load_tasks) and callable(api.score) and "number" in api.checks.names()


def test_a_ray_shard_checks_its_own_replies_with_a_hook_it_builds(tasks_file):
    """What each Ray worker runs for `simulate --tasks --ray`: its own TaskChecker, built from the factory."""
    import asyncio

    import task_fakes

    from simuser.engine.ray_runner import run_shard
    from simuser.tasks.hook import TaskChecker

    assistant = ComponentSpec(name="callable", options={"target": f"{task_fakes.__file__}:second_time_right"})
    config = task_config(load_tasks(tasks_file)[:2], simulator=ASK_TWICE, assistant=assistant, max_turns=3, n=2)
    finished = []
    keys = [(i.id, k) for i in config.intents for k in range(2)]
    asyncio.run(run_shard(config, keys, finished.append, 0, TaskChecker))
    assert sorted(c.key for c in finished) == sorted(keys)
    passes = {c.key: [m.metadata["check"]["passed"] for m in c.assistant_turns] for c in finished}
    assert passes == {("t1", 0): [False, True], ("t1", 1): [False, True],  # 120 is t1's answer, not t2's (42)
                      ("t2", 0): [False, False, False], ("t2", 1): [False, False, False]}
    assert {c.end_reason for c in finished if c.intent.id == "t1"} == {EndReason.TASK_SOLVED}
