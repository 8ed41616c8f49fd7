"""Writing intents with a chat function: the prompt, cleaning, and resuming after a crash."""

from __future__ import annotations

import json

import pytest

from simuser.tokens import INTENT_PREFIX
from simuser.train.intent_writer import clean_intent, intent_chat, summarize_intents

from .conftest import TURNS, make_conversation


def _conversations(n: int):
    return [make_conversation(cid=f"c{i}") for i in range(n)]


class FakeChat:
    """Answers every chat with a fixed intent; can fail after some calls (a crash mid-run)."""

    def __init__(self, reply: str = "Intent: to plan a trip.", fail_after: int | None = None):
        self.reply, self.fail_after, self.seen = reply, fail_after, []

    def __call__(self, chats):
        if self.fail_after is not None and len(self.seen) >= self.fail_after:
            raise RuntimeError("server went away")
        self.seen.append(chats)
        return [self.reply for _ in chats]


def test_the_prompt_holds_the_transcript_and_the_prefix():
    (message,) = intent_chat(make_conversation())
    assert message["role"] == "user"
    assert INTENT_PREFIX in message["content"]
    assert all(f"{role.upper()}: {text}" in message["content"] for role, text in TURNS)


@pytest.mark.parametrize("raw, expected", [
    ("Intent: to plan a trip.\nExtra words", f"{INTENT_PREFIX} plan a trip."),
    (f'"{INTENT_PREFIX} learn about vaccines."', f"{INTENT_PREFIX} learn about vaccines."),
    ("\n\n  plan a trip", f"{INTENT_PREFIX} plan a trip"),
    ("", ""),
])
def test_clean_intent(raw, expected):
    assert clean_intent(raw) == expected


def test_writes_one_row_per_conversation(tmp_path):
    out = tmp_path / "intents.jsonl"
    result = summarize_intents(_conversations(3), FakeChat(), out, batch_size=2)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert result.written == 3 and result.skipped == 0
    assert [r["id"] for r in rows] == ["c0", "c1", "c2"]
    assert all(r["intent"] == f"{INTENT_PREFIX} plan a trip." for r in rows)
    assert rows[0]["messages"] == [{"role": role, "content": text} for role, text in TURNS]


def test_a_rerun_after_a_crash_only_does_the_rest(tmp_path):
    out = tmp_path / "intents.jsonl"
    with pytest.raises(RuntimeError):
        summarize_intents(_conversations(5), FakeChat(fail_after=1), out, batch_size=2)
    assert len(out.read_text().splitlines()) == 2  # the first batch survived
    with out.open("a") as handle:
        handle.write('{"id": "c2", "inte')  # and a torn line from the crash
    chat = FakeChat()
    result = summarize_intents(_conversations(5), chat, out, batch_size=2)
    assert result.written == 3 and result.skipped == 2
    assert sum(len(batch) for batch in chat.seen) == 3
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == ["c0", "c1", "c2", "c3", "c4"]


def test_the_output_reads_back_as_conversations_with_intents(tmp_path):
    from simuser.train.data import read_logs

    out = tmp_path / "intents.jsonl"
    summarize_intents(_conversations(2), FakeChat(), out)
    conversations = read_logs(out)
    assert [c.intent.text for c in conversations] == [f"{INTENT_PREFIX} plan a trip."] * 2
    assert [m.content for m in conversations[0].messages] == [text for _, text in TURNS]


def test_endpoint_chat_is_greedy_and_a_failed_chat_stops_the_run_with_one_line():
    from simuser.errors import UserError
    from simuser.testing.fake_openai import FakeOpenAIServer, Fault
    from simuser.train.intent_writer import endpoint_chat

    chats = [[{"role": "user", "content": "one"}], [{"role": "user", "content": "two"}]]
    with FakeOpenAIServer(reply=lambda body: "to cook rice") as server:
        assert endpoint_chat("m", base_url=server.base_url)(chats) == ["to cook rice", "to cook rice"]
    assert server.requests_to("/chat/completions")[0].json["temperature"] == 0.0
    with FakeOpenAIServer(fault_rule=lambda body: Fault.status(400)) as server, pytest.raises(UserError, match="400"):
        endpoint_chat("m", base_url=server.base_url)(chats)
