"""A conversation with tool traffic, shared by the schema, store and simulator tests."""

from __future__ import annotations

from simuser.schema import Conversation, Intent, Message, ToolCall

CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"order\": \"A7\"}"}}


def tool_conversation() -> Conversation:
    """user asks, the agent calls `lookup`, the tool answers, the agent replies."""
    return Conversation(intent=Intent(id="i", text="You are a user chatting with an assistant language model to x"),
                        messages=[
        Message(role="user", content="where is my order A7?"),
        Message(role="assistant", content="", tool_calls=[ToolCall.model_validate(CALL)]),
        Message(role="tool", content="{\"status\": \"shipped\"}", tool_call_id="call_1", name="lookup"),
        Message(role="assistant", content="It has shipped."),
    ])
