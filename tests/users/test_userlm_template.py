"""The UserLM prompt format, pinned byte for byte.

The expected strings are written out literally on purpose: they are the UserLM-8b format itself, so a
wrong edit to ``tokens.py`` or the template must fail here rather than agree with itself.
"""

from __future__ import annotations

import pytest

from simuser.schema import Intent, Message
from simuser.users.base import ConversationState
from simuser.users.userlm import UserLMSimulator
from simuser.users.userlm_template import USERLM_CHAT_TEMPLATE, parse_user_turn, render_prompt

INTENT = "You are a user chatting with an assistant language model to plan a trip to Lisbon"
HISTORY = [
    {"role": "user", "content": "hello there, can you help me plan a trip?"},
    {"role": "assistant", "content": "Sure!\nWhere to?"},
]
EXPECTED = (
    "<|start_header_id|>system<|end_header_id|>\n"
    "You are a user chatting with an assistant language model to plan a trip to Lisbon<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\nhello there, can you help me plan a trip?<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\nSure!\nWhere to?<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>"
)


def test_render_prompt_is_the_userlm_format_byte_for_byte():
    assert render_prompt(INTENT, HISTORY) == EXPECTED


def test_render_prompt_without_history_opens_the_first_user_turn():
    assert render_prompt("You are a user chatting with an assistant language model to x", []) == (
        "<|start_header_id|>system<|end_header_id|>\n"
        "You are a user chatting with an assistant language model to x<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>"
    )


@pytest.mark.parametrize("history", [[], HISTORY[:1], HISTORY])
def test_tokenizer_chat_template_matches_render_prompt(tiny_userlm_dir, history):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_userlm_dir)
    assert tokenizer.chat_template == USERLM_CHAT_TEMPLATE
    messages = [{"role": "system", "content": INTENT}, *history]
    rendered = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert rendered == render_prompt(INTENT, history)


def _state() -> ConversationState:
    messages = [Message(role=m["role"], content=m["content"]) for m in HISTORY]
    return ConversationState(Intent(id="lisbon", text=INTENT), messages)


def test_simulator_prompt_and_tokens_have_no_bos(tiny_userlm_dir):
    from tokenizers.processors import TemplateProcessing
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_userlm_dir)
    bos = (tokenizer.bos_token, tokenizer.bos_token_id)  # make it add a BOS by default, as Llama 3's does
    tokenizer.backend_tokenizer.post_processor = TemplateProcessing(single=f"{bos[0]} $A", special_tokens=[bos])
    assert tokenizer(EXPECTED)["input_ids"][0] == tokenizer.bos_token_id
    model = AutoModelForCausalLM.from_pretrained(tiny_userlm_dir)
    simulator = UserLMSimulator.from_model(model, tokenizer, device="cpu")
    assert simulator.prompt(_state()) == EXPECTED
    ids = simulator.encode([EXPECTED])["input_ids"][0].tolist()
    assert tokenizer.bos_token_id not in ids
    assert ids[0] == tokenizer.convert_tokens_to_ids("<|start_header_id|>")
    assert tokenizer.decode(ids, skip_special_tokens=False) == EXPECTED


def test_simulator_renders_by_hand_when_the_tokenizer_has_another_template(tiny_userlm_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_userlm_dir)
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    model = AutoModelForCausalLM.from_pretrained(tiny_userlm_dir)
    simulator = UserLMSimulator.from_model(model, tokenizer, device="cpu")
    assert simulator.prompt(_state()) == EXPECTED


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\nhi there friend<|eot_id|>", ("hi there friend", False)),
        ("\nhi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\nHello", ("hi there", False)),
        ("\nthanks a lot<|start_header_id|>assistant<|end_header_id|>\nYou're welcome", ("thanks a lot", False)),
        ("\n<|endconversation|><|eot_id|>", ("", True)),
        ("\nbye now<|endconversation|>", ("bye now", True)),
        ("\nnot yet<|eot_id|><|endconversation|>", ("not yet", False)),
        ("\n\nline one\nline two<|eot_id|>", ("line one\nline two", False)),
        ("no newline<|eot_id|>", ("no newline", False)),
    ],
)
def test_parse_user_turn(raw, expected):
    assert parse_user_turn(raw) == expected

