"""The end-of-conversation knob: a bias on <|endconversation|> moves the end rate, and it can be fitted to logs."""

from __future__ import annotations

import asyncio
import math

import pytest

from simuser.schema import Intent
from simuser.tokens import END_CONVERSATION
from simuser.train.end_calibration import EndDecisions, calibrate_end_bias, fit_bias
from simuser.users import ConversationState, TurnKind
from simuser.users.userlm import UserLMSimulator

from .conftest import make_conversation

torch = pytest.importorskip("torch")

EXCHANGE = [("user", "hello there, I need a hotel"), ("assistant", "Sure, where would you like to stay?")]
MORE = [("user", "near the river please"), ("assistant", "Here are three hotels by the river.")]


def test_fit_matches_predicted_ends_to_observed_ends():
    decisions = EndDecisions(log_odds=[0.0] * 4, ended=[True, False, False, False])
    assert fit_bias(decisions) == pytest.approx(math.log(1 / 3), abs=1e-5)  # p = 1/4: log-odds log(1/3)
    assert decisions.predicted_ends(fit_bias(decisions)) == pytest.approx(1.0, abs=1e-5)
    assert fit_bias(EndDecisions([0.0, 0.0], [True, True])) == 30.0  # every decision ended: clamped


def test_logs_with_shorter_conversations_fit_a_larger_bias(tiny_userlm_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_userlm_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_userlm_dir)
    short = [make_conversation(EXCHANGE, cid=f"s{i}") for i in range(3)]
    long = [make_conversation(EXCHANGE + MORE * 3, cid=f"l{i}") for i in range(3)]
    fit_short = calibrate_end_bias(model, tokenizer, short, min_turns_before_end=1)
    fit_long = calibrate_end_bias(model, tokenizer, long, min_turns_before_end=1)
    assert (fit_short.decisions, fit_short.observed_ends) == (3, 3)  # one decision each, after the exchange
    assert (fit_long.decisions, fit_long.observed_ends) == (12, 3)
    assert fit_short.end_bias > fit_long.end_bias
    assert fit_long.predicted_ends_after == pytest.approx(3.0, abs=1e-3)
    assert fit_long.predicted_ends_before < 0.1  # a random model almost never ends: calibration raises it


def _end_rate(tiny_userlm_dir, end_bias: float) -> float:
    simulator = UserLMSimulator(model=str(tiny_userlm_dir), device="cpu", max_new_tokens=4, guardrails=False,
                                temperature=1.0, top_p=1.0, end_bias=end_bias).load()
    intent = Intent(id="trip", text="You are a user chatting with an assistant language model to plan a trip")
    states = [ConversationState(intent, [], seed=seed) for seed in range(48)]
    turns = asyncio.run(simulator.next_turns(states))
    return sum(t.kind is TurnKind.END for t in turns) / len(turns)


def test_end_bias_moves_the_end_rate_in_its_direction(tiny_userlm_dir):
    rates = [_end_rate(tiny_userlm_dir, bias) for bias in (-20.0, 0.0, 2.0, 20.0)]  # measured: 0, 0.04, 0.29, 1
    assert rates[0] == 0.0 and rates[-1] == 1.0
    assert rates[0] <= rates[1] < rates[2] < rates[3]


def test_end_bias_is_added_to_the_end_logit_only():
    from simuser.users.userlm_logits import EndConversationBias

    scores = torch.zeros(2, 5)
    biased = EndConversationBias(end_id=3, bias=2.5)(torch.zeros(2, 1, dtype=torch.long), scores)
    assert biased[:, 3].tolist() == [2.5, 2.5] and biased[:, [0, 1, 2, 4]].abs().sum() == 0
    assert scores.abs().sum() == 0  # the input is not modified in place
    assert END_CONVERSATION == "<|endconversation|>"
