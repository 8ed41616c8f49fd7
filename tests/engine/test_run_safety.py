"""Run safety in the engine: refused resumes change no byte, simulator bugs are data, time adds up."""

from __future__ import annotations

import asyncio
import json

import pytest
from cli_inproc import invoke, snapshot
from engine_fakes import CountingUser, FlakyAssistant

from simuser.engine import RunConfig, simulate
from simuser.errors import UserError
from simuser.models.http import MAX_RETRIES_LIMIT, RetryPolicy
from simuser.schema import EndReason, Intent
from simuser.store import RunStore


def config(tmp_path, **overrides):
    intents = [Intent(id=f"i{k}", text=f"goal {k}") for k in range(3)]
    return RunConfig(**{"intents": intents, "n": 2, "max_turns": 2, "batch_size": 1, "out": tmp_path / "run", **overrides})


def finished_run(tmp_path, **overrides):
    cfg = config(tmp_path, **overrides)
    simulate(cfg, simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    return cfg


class RaisingUser(CountingUser):
    """A simulator with a bug that shows on one intent."""

    async def next_turns(self, states):
        if any(s.intent.id == "i1" for s in states):
            raise ZeroDivisionError("division by zero in the simulator")
        return await super().next_turns(states)


def test_a_simulator_exception_ends_only_its_conversations_as_simulator_error(tmp_path):
    result = simulate(config(tmp_path), simulator=RaisingUser(), assistant=FlakyAssistant(), progress=False)
    by_intent = {c.key: c for c in result.conversations}
    assert {by_intent[("i1", k)].end_reason for k in range(2)} == {EndReason.SIMULATOR_ERROR}
    assert "ZeroDivisionError" in by_intent[("i1", 0)].error
    assert {by_intent[(i, k)].end_reason for i in ("i0", "i2") for k in range(2)} == {EndReason.MAX_TURNS}
    assert result.summary.end_reasons == {"max_turns": 4, "simulator_error": 2}


@pytest.mark.parametrize("damage", ["invalid_record", "corrupt_middle", "newer_schema_record", "newer_schema_run"])
def test_resume_of_a_damaged_run_is_refused_and_changes_no_byte(tmp_path, damage):
    cfg = finished_run(tmp_path)
    records = cfg.out / "conversations.jsonl"
    lines = records.read_text().splitlines(keepends=True)
    if damage == "invalid_record":
        lines[2] = json.dumps({**json.loads(lines[2]), "sample_index": "two"}) + "\n"
    elif damage == "corrupt_middle":
        lines[2] = "{garbage\n"
    elif damage == "newer_schema_record":
        lines[2] = json.dumps({**json.loads(lines[2]), "schema_version": "99.0"}) + "\n"
    records.write_text("".join(lines))
    if damage == "newer_schema_run":
        manifest = json.loads((cfg.out / "run.json").read_text())
        (cfg.out / "run.json").write_text(json.dumps({**manifest, "schema_version": "99.0"}))
    before = snapshot(cfg.out)
    with pytest.raises(UserError, match=r"conversations.jsonl:3|run.json"):
        simulate(cfg, simulator=CountingUser(), assistant=FlakyAssistant(), progress=False, resume=True)
    assert snapshot(cfg.out) == before
    outcome = invoke("simulate", "--resume", str(cfg.out), "-q")
    assert outcome.code == 2 and len(outcome.error_lines) == 1
    assert snapshot(cfg.out) == before  # run.json still says finished


def test_resume_with_another_config_is_refused_naming_the_fields(tmp_path):
    cfg = finished_run(tmp_path)
    before = snapshot(cfg.out)
    with pytest.raises(UserError, match=r"n \(stored 2, given 3\).*seed \(stored"):
        simulate(cfg.model_copy(update={"n": 3, "seed": 7}), simulator=CountingUser(), assistant=FlakyAssistant(),
                 progress=False, resume=True)
    assert snapshot(cfg.out) == before


def test_cli_resume_with_a_changed_flag_is_refused_and_alone_resumes_as_stored(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.txt").write_text("plan a trip\nbuy shoes\n")
    args = ["--simulator", "scripted", "-S", 'turns=["hi", "ok"]', "--assistant", "echo", "-q"]
    assert invoke("simulate", "-i", "goals.txt", "--out", "run", *args).code == 0
    before = snapshot(tmp_path / "run")
    for flags, field in ((["--n", "3"], "n (stored 1, given 3)"), (["-A", "prefix=X"], "assistant.options.prefix"),
                         (["-S", 'turns=["yo"]'], "simulator.options.turns"), (["--assistant", "openai"], "assistant.name")):
        outcome = invoke("simulate", "--resume", "run", *flags, "-q")
        assert outcome.code == 2 and field in outcome.stderr, (flags, outcome.stderr)
    assert snapshot(tmp_path / "run") == before
    assert invoke("simulate", "--resume", "run", "--n", "1", *args).code == 0  # the same values again are fine
    assert invoke("simulate", "--resume", "run", "-q").code == 0


def test_elapsed_time_adds_up_across_resume_segments(tmp_path):
    cfg = finished_run(tmp_path)
    store = RunStore(cfg.out)
    manifest = store.load_manifest()
    manifest.summary = {**manifest.summary, "elapsed_s": 100.0}
    manifest.status = "interrupted"
    store.save_manifest(manifest)
    records = cfg.out / "conversations.jsonl"
    records.write_text("".join(records.read_text().splitlines(keepends=True)[:-1]))  # one conversation left to do
    result = simulate(cfg, simulator=CountingUser(), assistant=FlakyAssistant(), progress=False, resume=True)
    assert result.summary.elapsed_s >= 100.0
    assert store.load_manifest().summary["elapsed_s"] >= 100.0


class SlowAssistant(FlakyAssistant):
    async def respond(self, requests):
        await asyncio.sleep(0.05)
        return await super().respond(requests)


def test_conversation_timeout_ends_slow_conversations_as_timed_out(tmp_path):
    cfg = config(tmp_path, max_turns=50, conversation_timeout_s=0.12)
    result = simulate(cfg, simulator=CountingUser(), assistant=SlowAssistant(), progress=False)
    assert {c.end_reason for c in result.conversations} == {EndReason.TIMED_OUT}
    assert all(len(c.user_turns) < 50 for c in result.conversations)


def test_max_retries_is_bounded():
    with pytest.raises(UserError, match="max_retries=1000"):
        RetryPolicy(max_retries=1000)
    RetryPolicy(max_retries=MAX_RETRIES_LIMIT)
    with pytest.raises(UserError, match="backoff_max_s"):
        RetryPolicy(backoff_max_s=-1)


def test_import_and_intents_outputs_take_a_lock(tmp_path):
    from simuser.store.atomic import file_lock
    from simuser.train.intent_writer import summarize_intents

    (tmp_path / "chat.jsonl").write_text(json.dumps({"intent": "plan a trip", "messages": [{"role": "user", "content": "hi"}]}) + "\n")
    holder = RunStore(tmp_path / "imported")
    holder.acquire()
    try:
        outcome = invoke("import", str(tmp_path / "chat.jsonl"), "-o", str(tmp_path / "imported"))
        assert outcome.code == 2 and "another simuser process" in outcome.stderr
    finally:
        holder.release()
    with file_lock(tmp_path / "intents.jsonl"), pytest.raises(UserError, match="another simuser process"):
        summarize_intents([], lambda chats: [], tmp_path / "intents.jsonl")
