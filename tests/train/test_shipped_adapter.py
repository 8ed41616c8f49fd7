"""The shipped user model: small, attributed, in UserLM format, and it loads on the embedded base."""

from __future__ import annotations

import json

import pytest

from simuser.adapters import DEFAULT_ADAPTER_BASE, adapter_path
from simuser.tokens import END_CONVERSATION, END_OF_TURN, USERLM_SPECIAL_TOKENS
from simuser.users.userlm_template import USERLM_CHAT_TEMPLATE, render_prompt


def test_the_adapter_is_small_attributed_and_names_its_base():
    path = adapter_path()
    size = sum(p.stat().st_size for p in path.iterdir())
    assert size < 8_000_000
    assert {"ATTRIBUTION.md", "LICENSE", "adapter_model.safetensors", "tokenizer.json"} <= {p.name for p in path.iterdir()}
    assert "MTRAG" in (path / "ATTRIBUTION.md").read_text()
    config = json.loads((path / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == DEFAULT_ADAPTER_BASE
    assert len(config["trainable_token_indices"]) == len(USERLM_SPECIAL_TOKENS)


def test_the_shipped_tokenizer_is_in_userlm_format():
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(adapter_path()))
    assert tokenizer.chat_template == USERLM_CHAT_TEMPLATE
    assert tokenizer.eos_token == END_OF_TURN and END_CONVERSATION in tokenizer.get_vocab()
    messages = [{"role": "system", "content": "goal"}, {"role": "user", "content": "hi"}]
    assert tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == \
        render_prompt("goal", messages[1:])


def test_unknown_adapter_names_the_shipped_ones():
    from simuser.errors import UserError

    with pytest.raises(UserError, match="userlm-smollm2-mtrag"):
        adapter_path("nope")


@pytest.mark.slow
def test_it_loads_on_the_embedded_base_and_writes_a_user_turn():
    import torch

    from simuser.train.load import load_user_model

    model, tokenizer = load_user_model(adapter=adapter_path())
    assert model.get_input_embeddings().num_embeddings == len(tokenizer)
    prompt = render_prompt("You are a user chatting with an assistant language model to plan a trip to Rome", [])
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=40, do_sample=False)
    text = tokenizer.decode(out[0, ids["input_ids"].shape[1]:])
    assert text.startswith("\n") and END_OF_TURN in text  # a user turn, closed by the end-of-turn token


@pytest.mark.slow
async def test_the_userlm_simulator_runs_it_as_model_default():
    from simuser.schema import Intent
    from simuser.users import simulators
    from simuser.users.base import ConversationState, TurnKind

    simulator = simulators.create("userlm", model="default", device="cpu", max_new_tokens=40)
    intent = Intent(id="rome", text="You are a user chatting with an assistant language model to plan a trip to Rome")
    [turn] = await simulator.next_turns([ConversationState(intent, (), 0)])
    await simulator.aclose()
    assert turn.kind is TurnKind.MESSAGE and turn.text.strip()
    assert turn.text.split()[0] not in {"I", "You", "Here"}  # the first-word ban applies
