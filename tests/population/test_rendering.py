"""How a persona reaches each simulator kind, pinned byte for byte (docs/populations.md shows the same text)."""

from __future__ import annotations

from simuser.population import Persona, userlm_system_message
from simuser.schema import Intent, Message
from simuser.users.base import ConversationState
from simuser.users.prompted import PromptedSimulator, UserPrompt
from simuser.users.userlm_template import render_prompt, system_message

INTENT = "You are a user chatting with an assistant language model to plan a trip to Lisbon"
PERSONA = Persona(name="nurse", description="a retired nurse, not technical, writes long messages with typos",
                  attributes={"expertise": "novice", "language": "English", "patient": False})
PLAIN = Persona(name="terse", description="writes very short messages")


def test_userlm_system_message_is_intent_blank_line_persona_block():
    assert userlm_system_message(INTENT, PERSONA) == (
        "You are a user chatting with an assistant language model to plan a trip to Lisbon\n"
        "\n"
        "About you: a retired nurse, not technical, writes long messages with typos\n"
        "expertise: novice; language: English; patient: no"
    )
    assert userlm_system_message(INTENT, PLAIN) == f"{INTENT}\n\nAbout you: writes very short messages"
    assert userlm_system_message(INTENT, None) == INTENT


def test_userlm_prompt_with_a_persona_byte_for_byte():
    state = ConversationState(Intent(id="l", text=INTENT), [Message(role="user", content="hi")], persona=PLAIN)
    assert render_prompt(system_message(state), state.openai_messages()) == (
        "<|start_header_id|>system<|end_header_id|>\n"
        "You are a user chatting with an assistant language model to plan a trip to Lisbon\n\n"
        "About you: writes very short messages<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\nhi<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>"
    )


def test_userlm_simulator_puts_the_persona_in_its_prompt(tiny_userlm_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from simuser.users.userlm import UserLMSimulator

    tokenizer = AutoTokenizer.from_pretrained(tiny_userlm_dir)
    simulator = UserLMSimulator.from_model(AutoModelForCausalLM.from_pretrained(tiny_userlm_dir), tokenizer, device="cpu")
    state = ConversationState(Intent(id="l", text=INTENT), [], persona=PLAIN)
    assert simulator.prompt(state) == (
        "<|start_header_id|>system<|end_header_id|>\n"
        f"{INTENT}\n\nAbout you: writes very short messages<|eot_id|><|start_header_id|>user<|end_header_id|>"
    )


PROMPT_HEAD = (
    "You are role-playing a human user who is chatting with an AI assistant. You are the user, not the "
    "assistant: the messages you receive are the assistant's replies.\n\nYour goal for this conversation:\n"
)
PROMPT_RULES = "How to play the user:\n- Write only your next message to the assistant:"


def test_prompted_prompt_with_a_persona_byte_for_byte():
    system = UserPrompt.render(INTENT, persona=PERSONA).system
    persona_part = (
        "Who you are (write the way this person would):\n"
        "a retired nurse, not technical, writes long messages with typos\n"
        "- expertise: novice\n- language: English\n- patient: False\n\n"
    )
    assert system.startswith(PROMPT_HEAD + INTENT + "\n\n" + persona_part + PROMPT_RULES)


def test_prompted_prompt_without_a_persona_is_unchanged():
    assert UserPrompt.render(INTENT).system.startswith(PROMPT_HEAD + INTENT + "\n\n" + PROMPT_RULES)


def test_prompted_simulator_sends_the_persona(monkeypatch):
    simulator = PromptedSimulator.__new__(PromptedSimulator)  # no model: chat_for only renders text
    from simuser.users.prompted import PROMPT_FILE

    simulator.prompt_path = PROMPT_FILE
    state = ConversationState(Intent(id="l", text=INTENT), [Message(role="user", content="hi")], persona=PLAIN)
    chat = simulator.chat_for(state)
    assert "Who you are (write the way this person would):\nwrites very short messages\n\nHow to play" in chat[0]["content"]
    assert chat[1:] == [{"role": "user", "content": "Start the conversation."}, {"role": "assistant", "content": "hi"}]
