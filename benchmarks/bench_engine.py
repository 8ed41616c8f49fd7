"""Benchmark 1: the simuser engine against the naive loop, on the same local-model workload.

The naive loop is the blog's: one conversation at a time, one ``generate`` call (batch size 1) per
user turn and per reply. It drives the *same* simulator and assistant objects as the engine, with the
same prompts, caps and parsing, so the only difference is how the work is scheduled.

Two variants (``workload.VARIANTS``): (a) the prompted user (long instructions), (b) the shipped user
model (``userlm``, short prompts); the assistant is SmolLM2 in both. Early stopping is on, as in real runs,
so each side's time is divided by the tokens it actually generated (the ratio is per generated token).
The naive loop keeps no cache (the blog's loop); the engine keeps each conversation's KV cache.

The naive loop runs on 8 of the 32 conversations and its time is scaled by 4 (it is strictly sequential,
so its time is linear in the number of conversations; the result says so); ``--full`` runs all 32
(slow on a CPU: over half an hour on 2 cores). ``--quick`` also stops conversations after 2 user turns;
``--smoke`` runs 4 conversations of 2 turns (proves the benchmark runs; its numbers mean nothing).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import workload
from common import BenchResult

TARGET = 10.0


async def naive_loop(config: Any, conversations: int) -> int:
    """The blog's loop over the first ``conversations`` of the run; returns the user turns it made."""
    from simuser.engine.components import build_assistant, build_simulator

    return await naive_loop_with(build_simulator(config.simulator), build_assistant(config.assistant), config, conversations)


async def naive_loop_with(simulator: Any, assistant: Any, config: Any, conversations: int) -> int:
    """One conversation at a time, one simulator call and one assistant call (batch size 1) per turn."""
    from simuser.assistants import AssistantRequest
    from simuser.engine.config import derive_seed
    from simuser.schema import Message
    from simuser.users import ConversationState, TurnKind

    keys = [(intent, k) for intent in config.intents for k in range(config.n)][:conversations]
    turns = 0
    for intent, k in keys:
        seed, messages = config.conversation_seed(intent.id, k), []
        for turn in range(config.max_turns):
            state = ConversationState(intent, tuple(messages), derive_seed(seed, "user", turn))
            [user] = await simulator.next_turns([state])
            if user.kind is not TurnKind.MESSAGE:
                break
            messages.append(Message(role="user", content=user.text))
            [reply] = await assistant.respond([AssistantRequest(tuple(messages), derive_seed(seed, "assistant", turn))])
            messages.append(Message(role="assistant", content=reply.content))
            turns += 1
    return turns


def engine_run(config: Any) -> tuple[float, Any]:
    from simuser.engine import simulate

    start = time.perf_counter()
    result = simulate(config, progress=False)
    return time.perf_counter() - start, result


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    workload.shared_model()
    return [run_variant(variant, quick, shared) for variant in workload.VARIANTS]


def run_variant(variant: str, quick: bool, shared: dict[str, Any] | None) -> BenchResult:
    size = workload.sizes(quick, shared)
    total = size["n_goals"] * workload.SAMPLES
    naive_n = total if (shared or {}).get("full") else min(size["naive"], total)
    with tempfile.TemporaryDirectory() as tmp:
        config = workload.run_config(Path(tmp) / "run", n_goals=size["n_goals"], max_turns=size["max_turns"], variant=variant)
        with workload.GenerateMeter() as naive_meter:
            start = time.perf_counter()
            naive_turns = asyncio.run(naive_loop(config, naive_n))
            naive_s = time.perf_counter() - start
        with workload.GenerateMeter() as engine_meter:
            engine_s, result = engine_run(config)
    if shared is not None and variant == workload.VARIANTS[0]:
        shared["engine_run"] = {"wall_s": engine_s, "meter": engine_meter, "summary": result.summary}
    naive_total_s = naive_s * total / naive_n
    wall_ratio = naive_total_s / engine_s
    per_token = (naive_s / max(naive_meter.tokens, 1)) / (engine_s / max(engine_meter.tokens, 1))
    scaled = f" ({naive_n} of {total} conversations, x{total / naive_n:g})" if naive_n < total else ""
    notes = (f"{variant} user, {config.max_turns} turns: naive {naive_total_s:.0f} s{scaled} vs engine {engine_s:.1f} s; "
             f"wall ratio {wall_ratio:.1f}x; {naive_meter.tokens} vs {engine_meter.tokens} tokens")
    details = {
        "variant": variant, "conversations": total, "max_user_turns": config.max_turns, "user_tokens": workload.USER_TOKENS,
        "assistant_tokens": workload.ASSISTANT_TOKENS, "early_stopping": True, "naive_conversations_run": naive_n,
        "naive_s": round(naive_s, 3), "naive_s_for_all": round(naive_total_s, 2), "naive_user_turns": naive_turns,
        "naive": naive_meter.summary(), "engine_s": round(engine_s, 3), "engine_user_turns": result.summary.user_turns,
        "engine": engine_meter.summary(), "wall_ratio": round(wall_ratio, 2), "per_token_ratio": round(per_token, 2),
        "end_reasons": result.summary.end_reasons,
    }
    name = f"engine vs naive loop ({variant} user + SmolLM2 assistant, {total} conv x {config.max_turns} turns), per generated token"
    return BenchResult(name, per_token, "x", f">= {TARGET:g}x", per_token >= TARGET, notes, details)
