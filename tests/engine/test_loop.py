from collections import Counter

import pytest
from engine_fakes import CountingUser, FlakyAssistant

from simuser.engine import RunConfig, simulate
from simuser.errors import UserError
from simuser.schema import EndReason, Intent
from simuser.store import read_conversations


def config(tmp_path=None, **overrides):
    intents = [Intent(id=f"i{k}", text=f"You are a user chatting with an assistant language model to do task {k}") for k in range(3)]
    fields = {"intents": intents, "n": 2, "max_turns": 3, "out": tmp_path / "run" if tmp_path else None, **overrides}
    return RunConfig(**fields)


def test_every_intent_sample_runs_to_max_turns(tmp_path):
    result = simulate(config(tmp_path), simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    assert sorted(c.key for c in result.conversations) == [(f"i{k}", s) for k in range(3) for s in range(2)]
    for conversation in result.conversations:
        assert [m.role for m in conversation.messages] == ["user", "assistant"] * 3
        assert conversation.end_reason is EndReason.MAX_TURNS
    assert result.summary.user_turns == 18
    assert result.summary.end_reasons == {"max_turns": 6}


def test_user_end_and_assistant_error_end_only_their_conversations(tmp_path):
    result = simulate(config(tmp_path), simulator=CountingUser(end_after=2), assistant=FlakyAssistant({"i1"}), progress=False)
    reasons = Counter(c.end_reason.value for c in result.conversations)
    assert reasons == {"user_ended": 4, "assistant_error": 2}
    failed = [c for c in result.conversations if c.end_reason is EndReason.ASSISTANT_ERROR]
    assert {c.intent.id for c in failed} == {"i1"}
    assert all("500" in c.error for c in failed)
    ended = [c for c in result.conversations if c.end_reason is EndReason.USER_ENDED]
    assert all(len(c.user_turns) == 2 for c in ended)


def test_batch_size_bounds_the_batch_and_refills_it(tmp_path):
    user = CountingUser(end_after=1)
    simulate(config(tmp_path, batch_size=4), simulator=user, assistant=FlakyAssistant(), progress=False)
    assert max(user.batch_sizes) == 4
    assert sum(user.batch_sizes) == 6 * 2  # each conversation: one turn, then the end
    assert user.batch_sizes[1] == 4  # finished conversations were replaced at the next step


def test_seeds_derive_from_the_run_seed(tmp_path):
    first = simulate(config(seed=1), simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    again = simulate(config(seed=1), simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    other = simulate(config(seed=2), simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    texts = lambda r: [m.content for c in sorted(r.conversations, key=lambda c: c.key) for m in c.messages]  # noqa: E731
    assert texts(first) == texts(again)
    assert texts(first) != texts(other)
    assert len({c.seed for c in first.conversations}) == 6


def test_conversations_are_written_as_they_finish_and_resume_skips_them(tmp_path):
    cfg = config(tmp_path)
    simulate(cfg, simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    assert len(read_conversations(tmp_path / "run")) == 6
    user = CountingUser()
    result = simulate(cfg, simulator=user, assistant=FlakyAssistant(), progress=False, resume=True)
    assert user.batch_sizes == []  # nothing left to do
    assert len(result.conversations) == 6
    assert len(read_conversations(tmp_path / "run")) == 6


def test_an_existing_run_is_not_overwritten(tmp_path):
    simulate(config(tmp_path), simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    with pytest.raises(UserError, match="--resume"):
        simulate(config(tmp_path), simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)


def test_assistant_exception_becomes_data(tmp_path):
    class Broken(FlakyAssistant):
        async def respond(self, requests):
            raise ValueError("boom")

    result = simulate(config(tmp_path), simulator=CountingUser(), assistant=Broken(), progress=False)
    assert {c.end_reason for c in result.conversations} == {EndReason.ASSISTANT_ERROR}
    assert all(c.error == "ValueError: boom" for c in result.conversations)


def test_run_manifest_records_config_versions_and_summary(tmp_path):
    from simuser.store import RunStore

    simulate(config(tmp_path), simulator=CountingUser(), assistant=FlakyAssistant(), progress=False)
    manifest = RunStore(tmp_path / "run").load_manifest()
    assert manifest.status == "finished"
    assert manifest.config["n"] == 2 and len(manifest.config["intents"]) == 3
    assert "python" in manifest.versions and "simuser" in manifest.versions
    assert manifest.summary["conversations"] == 6


def test_unknown_backend_is_a_user_error():
    cfg = config(simulator={"name": "nope"})
    with pytest.raises(UserError, match="unknown simulator 'nope'; choose one of: .*prompted"):
        simulate(cfg, progress=False)


def test_plain_string_intents_get_the_userlm_prefix():
    cfg = RunConfig(intents=["plan a weekend in Lisbon"])
    assert cfg.intents[0].text == "You are a user chatting with an assistant language model to plan a weekend in Lisbon"
    assert cfg.intents[0].metadata == {"original": "plan a weekend in Lisbon"}
