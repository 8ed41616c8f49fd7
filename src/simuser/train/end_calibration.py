"""Fit the UserLM simulator's ``end_bias`` so simulated users end conversations as often as a team's users do.

Every time a user could speak, a UserLM-format model decides between writing a turn and writing
``<|endconversation|>``. Adding a constant ``b`` to the end token's logit turns each decision's
probability ``p`` into ``sigmoid(logit(p) + b)``: one knob that moves all end decisions together. Given
a team's logs (whole conversations, each ending where the user stopped), we read the model's log-odds of
ending at every decision point (after each assistant turn; the last one is the real end, the others are
"continued") and pick ``b`` by maximum likelihood. For a logistic model with a free offset the
maximum-likelihood condition is that predicted ends equal observed ends, so after calibration the model
ends as many of these conversations, at these points, as the users did (``fit_end_bias``).

Caveats: the decisions are scored on the team's own histories (teacher forcing), not on simulated ones;
sampling at temperature ``T`` is accounted for (the bias is added before temperature), nucleus (top-p)
truncation is not; decisions the guardrails forbid (before ``min_turns_before_end``) are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from simuser import defaults
from simuser.errors import UserError
from simuser.schema import Conversation
from simuser.tokens import END_CONVERSATION

BIAS_RANGE = 30.0


@dataclass(frozen=True)
class EndDecisions:
    """Log-odds of ending (at bias 0 and the given temperature) and whether the user really ended, per decision."""

    log_odds: list[float]
    ended: list[bool]

    def predicted_ends(self, bias: float = 0.0) -> float:
        return sum(_sigmoid(z + bias) for z in self.log_odds)


@dataclass(frozen=True)
class EndBiasFit:
    end_bias: float  # the simulator option (raw-logit units: already multiplied by the temperature)
    decisions: int
    observed_ends: int
    predicted_ends_before: float
    predicted_ends_after: float


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def fit_bias(decisions: EndDecisions) -> float:
    """The offset ``b`` (in log-odds) that makes predicted ends equal observed ends; clamped to +-30."""
    from scipy.optimize import brentq

    target = sum(decisions.ended)

    def gap(b: float) -> float:
        return decisions.predicted_ends(b) - target

    if gap(-BIAS_RANGE) >= 0:
        return -BIAS_RANGE
    if gap(BIAS_RANGE) <= 0:
        return BIAS_RANGE
    return float(brentq(gap, -BIAS_RANGE, BIAS_RANGE, xtol=1e-6))


def end_decisions(model, tokenizer, conversations: Sequence[Conversation], *, temperature: float = 1.0,
                  min_turns_before_end: int = defaults.MIN_TURNS_BEFORE_END) -> EndDecisions:
    """Every decision point of every conversation, scored in one forward pass per conversation."""
    import torch

    end_id = tokenizer.convert_tokens_to_ids(END_CONVERSATION)
    newline = _newline_id(tokenizer)
    log_odds, ended = [], []
    for conversation in conversations:
        ids, starts = _decision_positions(conversation, tokenizer, newline, min_turns_before_end)
        if not starts:
            continue
        with torch.inference_mode():
            logits = model(input_ids=torch.tensor([ids], device=model.device)).logits[0].float()
        for position, is_end in starts:
            logp = torch.log_softmax(logits[position] / temperature, dim=-1)
            p_end = logp[end_id].exp().item()
            log_odds.append(math.log(max(p_end, 1e-30)) - math.log(max(1.0 - p_end, 1e-30)))
            ended.append(is_end)
    return EndDecisions(log_odds, ended)


def _newline_id(tokenizer) -> int:
    ids = tokenizer("\n", add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        raise UserError("end calibration needs a tokenizer that encodes '\\n' as one token")
    return ids[0]


def _decision_positions(conversation: Conversation, tokenizer, newline: int, min_turns: int):
    """Token ids of the packed conversation and ``(position, ended)`` of each decision.

    A decision is read at the newline that opens each user turn (and the end marker): the next token is
    either the user's first word or ``<|endconversation|>``.
    """
    from simuser.train.flip import IGNORE_INDEX, flip_conversation, tokenize_conversation

    samples = flip_conversation(conversation, human_only=False)
    if not samples:
        return [], []
    seq = tokenize_conversation(samples, tokenizer)
    starts, turn = [], 0
    for i, label in enumerate(seq.labels):
        if label != IGNORE_INDEX and (i == 0 or seq.labels[i - 1] == IGNORE_INDEX):
            is_end = i + 1 < len(seq.labels) and seq.labels[i + 1] == tokenizer.convert_tokens_to_ids(END_CONVERSATION)
            if seq.input_ids[i] == newline and turn >= min_turns:
                starts.append((i, is_end))
            turn += 1
    return seq.input_ids, starts


def calibrate_end_bias(model, tokenizer, conversations: Sequence[Conversation], *, temperature: float = 1.0,
                       min_turns_before_end: int = defaults.MIN_TURNS_BEFORE_END) -> EndBiasFit:
    """Fit ``end_bias`` on whole logged conversations (each ends where its user stopped)."""
    decisions = end_decisions(model, tokenizer, conversations, temperature=temperature,
                              min_turns_before_end=min_turns_before_end)
    if not any(decisions.ended):
        raise UserError("no conversation in the logs ends after an assistant turn; calibration needs real ends")
    bias = fit_bias(decisions)
    return EndBiasFit(bias * temperature, len(decisions.ended), sum(decisions.ended),
                      decisions.predicted_ends(0.0), decisions.predicted_ends(bias))
