"""Role adherence: when the assistant turns the question back, does the simulated user stay the user?

Probe: the user asks a PubMedQA research question (yes/no/maybe); the assistant professes uncertainty and
asks the user what they think. A real user does not now answer their own question or start explaining
things like an assistant. The metric is the percent of probes where the simulator keeps the user role.

The transparent rule (:func:`role_break`), checked in order:

1. ending the conversation keeps the role;
2. acting as an assistant breaks it: a markdown list or heading, more than 80 words, or an assistant
   phrase ("happy to help", "here is", "as an AI", "I hope this helps", ...);
3. professing ignorance keeps it ("not sure", "don't know", "no idea", "that's why I asked", ...);
4. answering breaks it: the reply opens with yes / no / maybe / probably / "based on" / "according to" /
   "I think so", or is a statement (no question mark) of 25 words or more;
5. anything else (a rephrased question, a push-back, a short remark) keeps it.

With a judge (``--judge``), the judge's share is reported as ``role_adherence.judge`` next to the rule's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from simuser.metrics.base import MetricContext, MetricResult
from simuser.metrics.judge import share_true, verdict_is
from simuser.metrics.probes import ProbeMetric, probe_lines, probe_prompt
from simuser.schema import Intent, Message, normalize_intent_text
from simuser.seeds import derive_seed
from simuser.users.base import ConversationState, TurnKind, UserTurn

_LIST_OR_HEADING = re.compile(r"^\s*([-*•]|\d+[.)]|#{1,6})\s+", re.MULTILINE)
ASSISTANT_PHRASES = (
    "happy to help", "glad to help", "here is", "here's", "here are", "as an ai", "i hope this helps",
    "let me explain", "great question", "feel free to", "how can i help", "how can i assist",
    "in summary", "in conclusion", "certainly!", "absolutely!",
)
IGNORANCE_MARKERS = (
    "not sure", "don't know", "dont know", "do not know", "no idea", "why i asked", "why i'm asking",
    "why im asking", "i asked you", "asking you", "you tell me", "you're the", "not an expert", "no clue",
    "can't say", "hoping you",
)
ANSWER_OPENERS = ("yes", "no", "maybe", "probably", "based on", "according to", "i think so", "i believe so")
MAX_USER_WORDS = 80
MIN_STATEMENT_WORDS = 25


@dataclass(frozen=True)
class RoleProbe:
    question: str
    state: ConversationState


class RoleAdherence(ProbeMetric[RoleProbe]):
    name = "role_adherence"
    title = "Role adherence"
    label = "role probes"
    unit_name = "role probe"

    def probes(self, context: MetricContext) -> tuple[list[RoleProbe], list[ConversationState]]:
        probes = role_probes(context.probe_limit, context.seed)
        return probes, [p.state for p in probes]

    async def score(self, answered: list[tuple[RoleProbe, UserTurn]], context: MetricContext, asked: int) -> MetricResult:
        breaks = [role_break(t) for _, t in answered]
        values = await _judge_values(context, answered)
        details = {"n_probes": len(answered), "n_exhausted": asked - len(answered), "breaks": _break_counts(breaks)}
        return MetricResult(100.0 * sum(b is None for b in breaks) / len(breaks), values, details)


def role_probes(limit: int, seed: int) -> list[RoleProbe]:
    """``limit`` PubMedQA questions (sampled with ``seed``), each turned back by the assistant."""
    from simuser.metrics.reference import REFERENCE_DIR

    rows = [json.loads(line) for line in (REFERENCE_DIR / "pubmedqa_questions.jsonl").read_text().splitlines()]
    picks = sorted(np.random.default_rng(seed).choice(len(rows), size=min(limit, len(rows)), replace=False))
    deflections = probe_lines("role_deflections.txt")
    return [_probe(rows[i]["pmid"], rows[i]["question"], deflections[n % len(deflections)], seed)
            for n, i in enumerate(picks)]


def _probe(pmid: str, question: str, deflection: str, seed: int) -> RoleProbe:
    intent = Intent(id=f"pubmedqa-{pmid}",
                    text=normalize_intent_text(f"get an answer to a biomedical research question: {question}"))
    messages = [Message(role="user", content=question),
                Message(role="assistant", content=deflection.format(question=question))]
    return RoleProbe(question, ConversationState(intent, messages, derive_seed(seed, "role", pmid)))


def role_break(turn: UserTurn) -> str | None:
    """Why the reply breaks the user role ('assistant' or 'answer'), or None when it keeps it."""
    if turn.kind == TurnKind.END:
        return None
    text = turn.text.strip()
    lower = text.lower()
    words = text.split()
    if _LIST_OR_HEADING.search(text) or len(words) > MAX_USER_WORDS or any(p in lower for p in ASSISTANT_PHRASES):
        return "assistant"
    if any(marker in lower.replace("’", "'") for marker in IGNORANCE_MARKERS):
        return None
    opening = re.sub(r"[^a-z' ]", " ", lower).split()
    if any(opening[: len(o.split())] == o.split() for o in ANSWER_OPENERS):
        return "answer"
    if "?" not in text and len(words) >= MIN_STATEMENT_WORDS:
        return "answer"
    return None


def _break_counts(breaks: list[str | None]) -> dict[str, int]:
    return {"assistant": breaks.count("assistant"), "answer": breaks.count("answer")}


async def _judge_values(context: MetricContext, scored: list[tuple[RoleProbe, UserTurn]]) -> dict[str, float]:
    if context.judge is None:
        return {}
    template = probe_prompt("judge_role.md")
    prompts = [template.format(question=p.question, assistant=p.state.messages[-1].content,
                               reply=t.text or "(ends the conversation)") for p, t in scored]
    answers = await context.judge.verdicts(prompts)
    share, unclear = share_true([verdict_is(a, "KEEPS", "BREAKS") for a in answers])
    values = {"judge_unclear": float(unclear)}
    if share is not None:
        values["judge"] = share
    return values
