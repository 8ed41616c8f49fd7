"""``judge_replies``: the simulated user reacts to each candidate reply, ``n`` times; reactions are labelled.

For every item, candidate and sample ``k``, the simulator sees the item's conversation followed by the
candidate as the assistant's reply and writes its next turn (seed: ``derive_seed(seed, item, candidate,
k)``; with a population, a persona drawn from that seed). Everything goes to the simulator in batches, so
a local model generates all reactions of a batch at once. The preference rate of a candidate is the share
of its reactions labelled satisfied, with a 95% Wilson interval over its ``n`` reactions; the complaint
rate likewise. Per item, the preferred candidate is the one with the highest preference rate (ties: none).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simuser.intervals import wilson_interval
from simuser.judging.items import Candidate, JudgeItem
from simuser.judging.reactions import Reaction, classify_reaction
from simuser.population import Persona, draw_persona
from simuser.schema import ComponentSpec, Message
from simuser.seeds import derive_seed
from simuser.users import ConversationState, TurnKind, UserTurn

REACTION_PROMPT = Path(__file__).resolve().parent.parent / "prompts" / "reaction_judge.md"


def reaction_state(item: JudgeItem, candidate: Candidate, k: int, seed: int, personas: Sequence[Persona] | None) -> ConversationState:
    sample_seed = derive_seed(seed, item.id, candidate.id, k)
    persona = draw_persona(personas, sample_seed) if personas else None
    messages = (*item.messages, Message(role="assistant", content=candidate.content))
    return ConversationState(item.intent, messages, sample_seed, persona=persona)


def reaction_record(item: JudgeItem, candidate: Candidate, k: int, state: ConversationState, turn: UserTurn) -> dict[str, Any]:
    previous = next((m.content for m in reversed(item.messages) if m.role == "user"), "")
    ended = turn.kind is TurnKind.END
    label = None if turn.kind is TurnKind.EXHAUSTED else classify_reaction(turn.text, ended, previous)
    return {"item": item.id, "candidate": candidate.id, "sample": k, "persona": state.persona.name if state.persona else None,
            "text": turn.text, "ended": ended, "reaction": label.value if label else None,
            "error": turn.metadata.get("reason") if turn.kind is TurnKind.EXHAUSTED else None}


async def collect_reactions(items: Sequence[JudgeItem], simulator: Any, n: int, seed: int = 0,
                            personas: Sequence[Persona] | None = None, batch_size: int = 32) -> list[dict[str, Any]]:
    jobs = [(item, c, k) for item in items for c in item.candidates for k in range(n)]
    states = [reaction_state(item, c, k, seed, personas) for item, c, k in jobs]
    records = []
    for start in range(0, len(jobs), batch_size):
        turns = await simulator.next_turns(states[start:start + batch_size])
        records += [reaction_record(*job, state, turn) for job, state, turn
                    in zip(jobs[start:start + batch_size], states[start:start + batch_size], turns, strict=True)]
    return records


def _share(count: int, n: int) -> dict[str, Any]:
    interval = wilson_interval(count, n)
    return {"count": count, "n": n, "rate": round(count / n, 4) if n else None,
            "ci95": [round(interval[0], 4), round(interval[1], 4)] if interval else None}


def candidate_stats(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    labelled = [r for r in records if r["reaction"] is not None]
    counts = Counter(r["reaction"] for r in labelled)
    return {"reactions": {r.value: counts.get(r.value, 0) for r in Reaction}, "failed": len(records) - len(labelled),
            "preference": _share(counts.get(Reaction.SATISFIED.value, 0), len(labelled)),
            "complaints": _share(counts.get(Reaction.COMPLAINS.value, 0), len(labelled))}


def summarise(items: Sequence[JudgeItem], records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    per_item = {}
    for item in items:
        stats = {c.id: candidate_stats([r for r in records if r["item"] == item.id and r["candidate"] == c.id])
                 for c in item.candidates}
        rates = {cid: s["preference"]["rate"] or 0.0 for cid, s in stats.items()}
        best = max(rates.values())
        winners = [cid for cid, rate in rates.items() if rate == best]
        per_item[item.id] = {"candidates": stats, "preferred": winners[0] if len(winners) == 1 else None}
    ids = sorted({r["candidate"] for r in records})
    pooled = {cid: candidate_stats([r for r in records if r["candidate"] == cid]) for cid in ids}
    return {"items": per_item, "pooled": pooled}


def judge_replies(items: Sequence[JudgeItem], simulator: ComponentSpec | Any, n: int = 10, seed: int = 0,
                  personas: Sequence[Persona] | None = None, batch_size: int = 32,
                  judge: ComponentSpec | None = None) -> dict[str, Any]:
    """``{"items", "pooled", "reactions"}`` for ``items`` judged by ``simulator`` (a spec or an object);
    with ``judge`` (a chat model), also ``"judge": {"items", "pooled"}`` from the judge's labels."""
    return asyncio.run(_judge(items, simulator, n, seed, personas, batch_size, judge))


async def _judge(items, simulator, n, seed, personas, batch_size, judge=None) -> dict[str, Any]:
    from simuser.engine.components import build_simulator

    owned = isinstance(simulator, ComponentSpec)
    user = build_simulator(simulator) if owned else simulator
    try:
        records = await collect_reactions(items, user, n, seed, personas, batch_size)
    finally:
        if owned:
            await user.aclose()
    result = {**summarise(items, records), "reactions": records, "simulator": user.describe().model_dump(), "n": n, "seed": seed}
    if judge is not None:
        await judge_reactions(items, records, judge, seed)
        result["judge"] = summarise(items, [{**r, "reaction": r["judge_reaction"] or r["reaction"]} for r in records])
    return result


async def judge_reactions(items: Sequence[JudgeItem], records: list[dict[str, Any]], judge: ComponentSpec, seed: int) -> None:
    """Adds ``judge_reaction`` (a label, or None when unparsed or nothing to judge) to every record."""
    from simuser.judging.labeler import label_prompts

    by_id = {item.id: item for item in items}
    todo = [r for r in records if r["reaction"] is not None and r["text"]]
    prompts = [reaction_prompt(by_id[r["item"]], r) for r in todo]
    labels = await label_prompts(judge, prompts, [label.value for label in Reaction], seed, "reaction-judge")
    for record in records:
        record["judge_reaction"] = None
    for record, label in zip(todo, labels, strict=True):
        record["judge_reaction"] = label


def reaction_prompt(item: JudgeItem, record: dict[str, Any]) -> str:
    import jinja2

    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(REACTION_PROMPT.read_text(encoding="utf-8"))
    request = next((m.content for m in reversed(item.messages) if m.role == "user"), "")
    reply = next(c.content for c in item.candidates if c.id == record["candidate"])
    return template.render(request=request, reply=reply, reaction=record["text"]).strip()
