import json

from simuser.store.jsonl import append_record, iter_records, repair_tail


def test_append_then_read_round_trips(tmp_path):
    path = tmp_path / "c.jsonl"
    append_record(path, {"a": 1})
    append_record(path, {"b": "é"})
    assert list(iter_records(path)) == [{"a": 1}, {"b": "é"}]


def test_torn_last_line_is_ignored_and_repaired(tmp_path):
    path = tmp_path / "c.jsonl"
    append_record(path, {"a": 1})
    with open(path, "a") as handle:
        handle.write('{"b": 2, "unfinis')
    assert list(iter_records(path)) == [{"a": 1}]
    removed = repair_tail(path)
    assert removed == len('{"b": 2, "unfinis')
    append_record(path, {"c": 3})
    assert [json.loads(line) for line in path.read_text().splitlines()] == [{"a": 1}, {"c": 3}]


def test_complete_json_without_newline_counts_as_torn(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}')
    assert list(iter_records(path)) == [{"a": 1}]
    assert repair_tail(path) == len('{"b": 2}')
    assert path.read_text() == '{"a": 1}\n'


def test_repair_of_clean_or_missing_file_is_a_no_op(tmp_path):
    path = tmp_path / "c.jsonl"
    assert repair_tail(path) == 0
    append_record(path, {"a": 1})
    assert repair_tail(path) == 0


def test_chat_jsonl_round_trips_intent_metadata_and_everything_else(tmp_path):
    from simuser.schema import Conversation, EndReason, Intent, Message
    from simuser.store import import_chat_logs, read_conversations, write_chat_jsonl

    original = Conversation(
        intent=Intent(id="q1", text="You are a user ... statins", metadata={"question": "Do statins help?", "label": "yes"}),
        messages=[Message(role="user", content="do statins help?"),
                  Message(role="assistant", content="Yes.", metadata={"retrieval": {"doc_ids": ["1"]}})],
        sample_index=2, end_reason=EndReason.USER_ENDED, metadata={"source": "test"},
    )
    write_chat_jsonl([original], tmp_path / "chat.jsonl")
    [back] = read_conversations(tmp_path / "chat.jsonl")
    assert back.intent == original.intent and back.messages == original.messages
    assert (back.sample_index, back.end_reason, back.metadata) == (2, EndReason.USER_ENDED, {"source": "test"})
    [imported] = import_chat_logs(tmp_path / "chat.jsonl", tmp_path / "run")
    assert read_conversations(tmp_path / "run")[0].intent == original.intent and imported.simulator.name == "imported"
