"""The simulated user never sees tool calls or tool results, whichever simulator plays it."""

from __future__ import annotations

from tool_fakes import tool_conversation

from simuser.users.base import ConversationState
from simuser.users.prompted import flip_roles
from simuser.users.userlm_template import render_prompt


def state() -> ConversationState:
    conversation = tool_conversation()
    return ConversationState(conversation.intent, tuple(conversation.messages))


def test_the_state_holds_only_what_the_user_saw():
    assert [(m.role, m.content) for m in state().messages] == [
        ("user", "where is my order A7?"), ("assistant", "It has shipped.")]
    assert state().turn_index == 1


def test_openai_messages_for_users_carry_no_tool_fields():
    assert state().openai_messages() == [
        {"role": "user", "content": "where is my order A7?"}, {"role": "assistant", "content": "It has shipped."}]


def test_userlm_prompt_and_prompted_chat_have_no_tool_text():
    prompt = render_prompt(state().intent.text, state().openai_messages())
    assert "shipped\"}" not in prompt and "lookup" not in prompt and "tool" not in prompt
    assert "It has shipped." in prompt
    flipped = flip_roles(state().openai_messages())
    assert [m["role"] for m in flipped] == ["assistant", "user"]
