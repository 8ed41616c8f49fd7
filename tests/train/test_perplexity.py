"""Perplexity on user turns matches a direct, turn-by-turn computation."""

from __future__ import annotations

import math

import pytest

from simuser.tokens import END_OF_TURN
from simuser.users.userlm_template import render_prompt

from .conftest import TURNS


def _direct(model, tokenizer, prefix: str, scored: str) -> tuple[float, int]:
    """NLL of ``scored`` after ``prefix``, tokenised separately: the obvious computation."""
    import torch

    prefix_ids = tokenizer(prefix, add_special_tokens=False)["input_ids"]
    scored_ids = tokenizer(scored, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prefix_ids + scored_ids])
    with torch.no_grad():
        logprobs = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
    positions = range(len(prefix_ids), len(prefix_ids) + len(scored_ids))
    return -sum(logprobs[p - 1, ids[0, p]].item() for p in positions), len(scored_ids)


def _load(path):
    from simuser.train.load import load_user_model

    return load_user_model(str(path))


@pytest.mark.parametrize("with_intent", [True, False])
def test_userlm_perplexity_matches_a_direct_computation(tiny_userlm, three_turn, with_intent):
    from simuser.metrics.perplexity import user_turn_perplexity

    model, tokenizer = _load(tiny_userlm)
    nll = tokens = 0
    for index, (role, content) in enumerate(TURNS):
        if role != "user":
            continue
        history = [{"role": r, "content": c} for r, c in TURNS[:index]]
        prompt = render_prompt(three_turn.intent.text, history)
        if not with_intent:
            prompt = prompt.split(END_OF_TURN, 1)[1]  # drop the system message
        n, k = _direct(model, tokenizer, prompt + "\n", content + END_OF_TURN)
        nll, tokens = nll + n, tokens + k
    result = user_turn_perplexity(str(tiny_userlm), [three_turn], with_intent=with_intent)
    assert result.scoring == "userlm" and result.turns == 3
    assert result.tokens == tokens
    assert result.value == pytest.approx(math.exp(nll / tokens), rel=1e-4)
    assert float(result) == result.value


def test_prompted_perplexity_scores_user_turns_as_the_models_replies(tiny_chat_dir, three_turn):
    from simuser.metrics.perplexity import prompted_chat, user_turn_perplexity

    model, tokenizer = _load(tiny_chat_dir)
    nll = tokens = 0
    for index, (role, content) in enumerate(TURNS):
        if role != "user":
            continue
        chat = prompted_chat(three_turn, index, with_intent=True)
        assert chat[-1]["role"] == "user"  # the assistant's last reply, flipped
        prefix = tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        n, k = _direct(model, tokenizer, prefix, content)
        nll, tokens = nll + n, tokens + k
    result = user_turn_perplexity(str(tiny_chat_dir), [three_turn])
    assert result.scoring == "prompted" and result.turns == 3
    assert result.tokens == tokens
    assert result.value == pytest.approx(math.exp(nll / tokens), rel=1e-4)


def test_model_written_user_turns_are_not_scored(tiny_userlm, three_turn):
    from simuser.metrics.perplexity import user_turn_perplexity

    three_turn.messages[2].metadata["author_type"] = "model"
    assert user_turn_perplexity(str(tiny_userlm), [three_turn]).turns == 2


def test_the_report_card_name_is_the_same_function():
    from simuser.metrics import perplexity

    assert perplexity.perplexity_of_model is perplexity.user_turn_perplexity
