"""Chat JSONL export and import keep tool calls and tool results."""

from __future__ import annotations

import json

from tool_fakes import CALL, tool_conversation

from simuser.store import read_conversations, write_chat_jsonl


def test_chat_jsonl_round_trip_keeps_tool_calls_and_results(tmp_path):
    path = tmp_path / "chat.jsonl"
    write_chat_jsonl([tool_conversation()], path)
    line = json.loads(path.read_text().splitlines()[0])
    assert line["messages"][1]["tool_calls"] == [CALL]
    assert line["messages"][2] == {"role": "tool", "content": "{\"status\": \"shipped\"}",
                                   "tool_call_id": "call_1", "name": "lookup"}
    [back] = read_conversations(path)
    assert [m.model_dump(exclude={"metadata"}) for m in back.messages] == \
        [m.model_dump(exclude={"metadata"}) for m in tool_conversation().messages]


def test_openai_style_null_content_on_a_tool_call_imports_as_empty(tmp_path):
    path = tmp_path / "chat.jsonl"
    record = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [CALL]}]}
    path.write_text(json.dumps(record) + "\n")
    [back] = read_conversations(path)
    assert back.messages[1].content == "" and back.messages[1].tool_calls[0].function.name == "lookup"
