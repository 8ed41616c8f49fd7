"""The Ray runner on a local 2-worker cluster: every conversation once, in the one store, resumable."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from simuser.engine import RunConfig
from simuser.engine.ray_runner import RayOptions, pending_keys, shard, simulate_ray
from simuser.schema import ComponentSpec, EndReason, Intent
from simuser.store import read_conversations

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'simuser[ray]'")

TARGETS = Path(__file__).with_name("ray_targets.py")


@pytest.fixture(scope="module")
def local_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def make_config(out: Path | None, intents: int = 6, n: int = 2, **fields) -> RunConfig:
    items = [Intent(id=f"i{k}", text=f"You are a user chatting with an assistant language model to do task {k}")
             for k in range(intents)]
    fields.setdefault("simulator", ComponentSpec(name="scripted", options={"turns": ["first", "second", "third"]}))
    fields.setdefault("assistant", ComponentSpec(name="echo"))
    return RunConfig(intents=items, n=n, max_turns=3, batch_size=4, out=out, **fields)


def keys_on_disk(run_dir: Path) -> Counter:
    return Counter(c.key for c in read_conversations(run_dir))


class StopAfter:
    """A progress reporter that interrupts the run after ``limit`` conversations, like Ctrl-C."""

    def __init__(self, limit: int):
        self.limit, self.seen = limit, 0

    def start(self, total: int, already_done: int) -> None: ...

    def conversation_finished(self, conversation) -> None:
        self.seen += 1
        if self.seen == self.limit:
            raise KeyboardInterrupt

    def stop(self) -> None: ...


def test_shards_cover_every_key_once():
    config = make_config(None, intents=5, n=3)
    keys = pending_keys(config, {("i0", 1)})
    parts = shard(keys, 4)
    assert len(keys) == 14 and sorted(k for p in parts for k in p) == sorted(keys)
    assert {len(p) for p in parts} == {3, 4}
    assert shard(keys[:1], 4) == [[keys[0]]]


def test_two_workers_write_every_conversation_once(tmp_path, local_cluster):
    result = simulate_ray(make_config(tmp_path / "run"), RayOptions(workers=2), progress=False)
    on_disk = read_conversations(tmp_path / "run")
    assert keys_on_disk(tmp_path / "run") == Counter({(f"i{k}", s): 1 for k in range(6) for s in range(2)})
    assert {c.metadata["ray_worker"] for c in on_disk} == {0, 1}
    for conversation in on_disk:
        assert [m.content for m in conversation.messages] == [
            "first", "You said: first", "second", "You said: second", "third", "You said: third"]
        assert conversation.end_reason is EndReason.MAX_TURNS
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["status"] == "finished"
    assert {c.run_id for c in on_disk} == {manifest["run_id"]}
    assert result.summary.conversations == 12


def test_interrupted_ray_run_resumes_without_duplicates(tmp_path, local_cluster):
    config = make_config(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        simulate_ray(config, RayOptions(workers=2, chunk=1), progress=StopAfter(4))
    first = keys_on_disk(tmp_path / "run")
    assert sum(first.values()) == 4 and max(first.values()) == 1
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "interrupted"

    result = simulate_ray(config, RayOptions(workers=2), progress=False, resume=True)
    assert keys_on_disk(tmp_path / "run") == Counter({(f"i{k}", s): 1 for k in range(6) for s in range(2)})
    assert result.summary.conversations == 12


def test_a_worker_that_dies_loses_nothing(tmp_path, local_cluster):
    marker = tmp_path / "crashed"
    script = {"i3": [f"crash-once:{marker}", "after"]}
    config = make_config(
        tmp_path / "run",
        simulator=ComponentSpec(name="scripted", options={"turns": ["first", "second"], "script": script}),
        assistant=ComponentSpec(name="callable", options={"target": f"{TARGETS}:crash_once"}),
    )
    simulate_ray(config, RayOptions(workers=2, chunk=1), progress=False)
    assert marker.exists()  # a worker really died mid-run
    assert keys_on_disk(tmp_path / "run") == Counter({(f"i{k}", s): 1 for k in range(6) for s in range(2)})
    crashed = [c for c in read_conversations(tmp_path / "run") if c.intent.id == "i3"]
    assert all(c.messages[1].content == f"ok: crash-once:{marker}" for c in crashed)


def test_a_failing_worker_reports_a_user_error(tmp_path, local_cluster):
    from simuser.errors import UserError

    config = make_config(tmp_path / "run", assistant=ComponentSpec(name="callable", options={"target": "no_such_module:fn"}))
    with pytest.raises(UserError, match="no_such_module"):
        simulate_ray(config, RayOptions(workers=2), progress=False)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "interrupted"


def test_cli_ray_flag_spreads_a_run_over_ray_workers(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "goals.txt").write_text("plan a weekend in Lisbon\nfind a vegetarian lasagna recipe\n")
    args = [sys.executable, "-m", "simuser", "simulate", "--intents", "goals.txt", "--n", "3", "--out", "runs/r",
            "--simulator", "scripted", "-S", 'turns=["hi there", "thanks"]', "--assistant", "echo",
            "--ray", "auto", "--ray-workers", "2", "--quiet"]
    env = {**os.environ, "COLUMNS": "200", "RAY_ADDRESS": ""}
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "run summary" in done.stdout
    on_disk = read_conversations(tmp_path / "runs/r")
    assert len(on_disk) == 6 and len({c.key for c in on_disk}) == 6
    assert {c.metadata["ray_worker"] for c in on_disk} == {0, 1}


def test_a_task_run_on_ray_is_checked_on_the_workers_and_scores(tmp_path, local_cluster):
    """`simulate --tasks --ray`: each worker builds its own task checker; `score` reads the run as usual."""
    import task_fakes

    from simuser.tasks import load_tasks, score, simulate_tasks_ray, task_config

    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(task_fakes.task_record(*p)) + "\n" for p in task_fakes.PROBLEMS[:2]))
    config = task_config(
        load_tasks(tasks), out=tmp_path / "run", n=2, max_turns=3, batch_size=4,
        simulator=ComponentSpec(name="scripted", options={"turns": ["What is it?", "Are you sure?", "And now?"]}),
        assistant=ComponentSpec(name="callable", options={"target": f"{task_fakes.__file__}:second_time_right"}),
    )
    simulate_tasks_ray(config, RayOptions(workers=2), progress=False)
    on_disk = read_conversations(tmp_path / "run")
    assert keys_on_disk(tmp_path / "run") == Counter({(t, s): 1 for t in ("t1", "t2") for s in range(2)})
    assert {c.metadata["ray_worker"] for c in on_disk} == {0, 1}
    assert all("check" in m.metadata for c in on_disk for m in c.assistant_turns)
    result = score(tmp_path / "run")
    assert [(t.task_id, t.solved) for t in result.tasks] == [("t1", 2), ("t2", 0)]


def test_cli_runs_a_task_set_on_ray(tmp_path):
    import os
    import subprocess
    import sys

    import task_fakes

    (tmp_path / "tasks.jsonl").write_text(json.dumps(task_fakes.task_record(*task_fakes.PROBLEMS[0])) + "\n")
    args = [sys.executable, "-m", "simuser", "simulate", "--tasks", "tasks.jsonl", "--n", "2", "--out", "runs/r",
            "--simulator", "scripted", "-S", 'turns=["What is it?", "Are you sure?"]', "--assistant", "callable",
            "-A", f"target={task_fakes.__file__}:second_time_right", "--ray", "auto", "--ray-workers", "2", "--quiet"]
    env = {**os.environ, "COLUMNS": "200", "RAY_ADDRESS": ""}
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    on_disk = read_conversations(tmp_path / "runs/r")
    assert len(on_disk) == 2 and {c.end_reason for c in on_disk} == {EndReason.TASK_SOLVED}
