"""Tool calls and tool results in the schema: OpenAI's format, and old records unchanged."""

from __future__ import annotations

import json

from tool_fakes import CALL, tool_conversation

from simuser.schema import Conversation, ToolCall, ToolFunction, user_visible


def test_an_old_record_loads_and_writes_back_byte_for_byte():
    old = ('{"schema_version":"1.0","intent":{"id":"i","text":"t","metadata":{}},'
           '"messages":[{"role":"user","content":"hi","metadata":{}}]}')
    conversation = Conversation.model_validate_json(old)
    dumped = json.loads(conversation.model_dump_json())
    assert dumped["messages"] == [{"role": "user", "content": "hi", "metadata": {}}]


def test_tool_calls_and_results_round_trip_through_the_record():
    conversation = tool_conversation()
    again = Conversation.model_validate_json(conversation.model_dump_json())
    assert again == conversation
    assert again.messages[1].tool_calls[0].parsed_arguments() == {"order": "A7"}
    assert again.messages[2].to_openai() == {"role": "tool", "content": "{\"status\": \"shipped\"}",
                                             "tool_call_id": "call_1", "name": "lookup"}
    assert again.messages[1].to_openai()["tool_calls"] == [CALL]


def test_messages_that_only_call_tools_are_not_assistant_turns():
    assert [m.content for m in tool_conversation().assistant_turns] == ["It has shipped."]


def test_user_visible_drops_tool_traffic_and_keeps_what_the_agent_says():
    messages = tool_conversation().messages
    messages[1] = messages[1].model_copy(update={"content": "Let me check."})
    visible = user_visible(messages)
    assert [(m.role, m.content) for m in visible] == [
        ("user", "where is my order A7?"), ("assistant", "Let me check."), ("assistant", "It has shipped.")]
    assert all(m.tool_calls is None for m in visible)


def test_malformed_arguments_parse_as_empty():
    call = ToolCall(id="c", function=ToolFunction(name="f", arguments="{not json"))
    assert call.parsed_arguments() == {}
