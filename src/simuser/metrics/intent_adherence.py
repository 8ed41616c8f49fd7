"""Intent adherence: when the assistant tries to change the subject, does the simulated user steer back?

Probes come from the human reference's *test* part: a conversation's intent and its real first user turn,
then an assistant reply that tries to divert the user to another conversation's goal (the diversion
templates are in data/reference/probes/intent_diversions.txt). The simulator adheres when its reply is
closer, by cosine similarity of MiniLM sentence embeddings, to its own goal than to the diversion's goal
(both with the standard intent prefix removed). Ending the conversation is not steering back: it counts
as not adhering. The metric is the percent of probes that adhere; a judge (``--judge``) adds
``intent_adherence.judge``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simuser.errors import UserError
from simuser.metrics.base import MetricContext, MetricResult, NotComputed
from simuser.metrics.embeddings import Embedder, MiniLMEmbedder
from simuser.metrics.judge import share_true, verdict_is
from simuser.metrics.probes import ProbeMetric, probe_lines, probe_prompt
from simuser.metrics.text import strip_intent_prefix
from simuser.schema import Conversation, Message
from simuser.seeds import derive_seed
from simuser.users.base import ConversationState, TurnKind, UserTurn


@dataclass(frozen=True)
class DiversionProbe:
    goal: str
    diversion_goal: str
    state: ConversationState


class IntentAdherence(ProbeMetric[DiversionProbe]):
    name = "intent_adherence"
    title = "Intent adherence"
    label = "intent probes"
    unit_name = "diversion probe"

    def probes(self, context: MetricContext) -> tuple[list[DiversionProbe], list[ConversationState]]:
        probes = diversion_probes(_sources(context), context.probe_limit, context.seed)
        return probes, [p.state for p in probes]

    async def score(self, answered: list[tuple[DiversionProbe, UserTurn]], context: MetricContext,
                    asked: int) -> MetricResult | NotComputed:
        try:
            adheres = adherence(context.options.get("embedder") or MiniLMEmbedder(), answered)
        except UserError as error:
            return NotComputed(str(error))
        values = await _judge_values(context, answered)
        details = {"n_probes": len(answered), "n_ended": sum(t.kind == TurnKind.END for _, t in answered)}
        return MetricResult(100.0 * sum(adheres) / len(adheres), values, details)


def diversion_probes(sources: Sequence[Conversation], limit: int, seed: int) -> list[DiversionProbe]:
    """One probe per source conversation (up to ``limit``), diverted to the goal of the next one along."""
    usable = [c for c in sources if c.intent.text.strip() and c.user_turns]
    if len(usable) < 2:
        return []
    order = np.random.default_rng(seed).permutation(len(usable))
    chosen = [usable[i] for i in order]
    templates = probe_lines("intent_diversions.txt")
    probes = []
    for n, conversation in enumerate(chosen[:limit]):
        other = chosen[(n + 1) % len(chosen)]
        probes.append(_probe(conversation, other, templates[n % len(templates)], seed))
    return probes


def _probe(conversation: Conversation, other: Conversation, template: str, seed: int) -> DiversionProbe:
    goal, diversion_goal = _goal(conversation), _goal(other)
    messages = [conversation.user_turns[0], Message(role="assistant", content=template.format(topic=diversion_goal))]
    state = ConversationState(conversation.intent, messages, derive_seed(seed, "intent", conversation.intent.id))
    return DiversionProbe(goal, diversion_goal, state)


def _goal(conversation: Conversation) -> str:
    goal = strip_intent_prefix(conversation.intent.text).rstrip(".")
    return goal[3:] if goal.lower().startswith("to ") else goal


def adherence(embedder: Embedder, scored: Sequence[tuple[DiversionProbe, UserTurn]]) -> list[bool]:
    """True where the reply is closer to its own goal than to the diversion (an ending never adheres)."""
    replies = [t.text for _, t in scored]
    goals = [p.goal for p, _ in scored]
    diversions = [p.diversion_goal for p, _ in scored]
    vectors = embedder.embed(replies + goals + diversions)
    n = len(scored)
    reply, goal, diversion = vectors[:n], vectors[n : 2 * n], vectors[2 * n :]
    closer = (reply * goal).sum(axis=1) > (reply * diversion).sum(axis=1)
    return [bool(c) and t.kind == TurnKind.MESSAGE for c, (_, t) in zip(closer, scored, strict=True)]


def _sources(context: MetricContext) -> Sequence[Conversation]:
    provided = context.options.get("intent_probe_conversations")
    if provided is not None:
        return provided
    from simuser.metrics.reference import load_reference

    return load_reference("test")


async def _judge_values(context: MetricContext, scored: list[tuple[DiversionProbe, UserTurn]]) -> dict[str, float]:
    if context.judge is None:
        return {}
    template = probe_prompt("judge_intent.md")
    prompts = [template.format(intent=p.state.intent.text, diversion=p.state.messages[-1].content,
                               reply=t.text or "(ends the conversation)") for p, t in scored]
    share, unclear = share_true([verdict_is(a, "ADHERES", "DIVERTS") for a in await context.judge.verdicts(prompts)])
    values = {"judge_unclear": float(unclear)}
    if share is not None:
        values["judge"] = share
    return values
