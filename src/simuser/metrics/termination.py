"""Termination F1: does the simulator end the conversation where a real user did?

Probe states come from *whole* real conversations (``termination.jsonl``: the 20 MTRAG conversations
whose every turn is in the human-evaluation subset): one state after each assistant turn, labelled
positive when the real user stopped there. The simulator gives its next turn for every state; ending the
conversation is a positive prediction; states the simulator reports as exhausted (e.g. a replay
simulator that has no log for the probe) are left out. The metric is the F1 of the positive class, in percent (paper:
UserLM-8b 63.54, GPT-4o 1.38). A simulator that never ends scores 0; one that always ends scores
2P/(1+P) with P the share of positive states (here 20 of 159 states, so 22.35).
"""

from __future__ import annotations

from collections.abc import Sequence

from simuser.metrics.base import MetricContext, MetricResult
from simuser.metrics.probes import ProbeMetric, f1_scores
from simuser.schema import Conversation
from simuser.seeds import derive_seed
from simuser.users.base import ConversationState, TurnKind, UserTurn


class TerminationF1(ProbeMetric[bool]):
    name = "termination_f1"
    title = "Termination F1"
    label = "termination probes"
    unit_name = "termination state"

    def probes(self, context: MetricContext) -> tuple[list[bool], list[ConversationState]]:
        states, labels = termination_states(_reference(context), context.seed)
        return labels, states

    async def score(self, answered: list[tuple[bool, UserTurn]], context: MetricContext, asked: int) -> MetricResult:
        labels = [label for label, _ in answered]
        predicted = [turn.kind == TurnKind.END for _, turn in answered]
        scores = f1_scores(labels, predicted)
        details = {"n_states": len(answered), "n_real_ends": sum(labels), "n_predicted_ends": sum(predicted),
                   "n_exhausted": asked - len(answered)}
        return MetricResult(scores["f1"], {"precision": scores["precision"], "recall": scores["recall"]}, details)


def termination_states(conversations: Sequence[Conversation], seed: int = 0) -> tuple[list[ConversationState], list[bool]]:
    """A state after every assistant turn; True where it was the conversation's last message."""
    states, labels = [], []
    for conversation in conversations:
        messages = conversation.messages
        for index, message in enumerate(messages):
            if message.role != "assistant" or not any(m.role == "user" for m in messages[:index]):
                continue
            turn_seed = derive_seed(seed, "termination", conversation.intent.id, index)
            states.append(ConversationState(conversation.intent, messages[: index + 1], turn_seed))
            labels.append(index == len(messages) - 1)
    return states, labels


def _reference(context: MetricContext) -> Sequence[Conversation]:
    provided = context.options.get("termination_conversations")
    if provided is not None:
        return provided
    from simuser.metrics.reference import load_termination_reference

    return load_termination_reference()
