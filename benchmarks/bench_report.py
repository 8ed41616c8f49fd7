"""Benchmark 4: report-card speed, every non-model metric on 2,000 conversations in under 2 seconds.

The conversations are synthetic but shaped like real runs (4 to 8 turns, varied wording, some ended by
the user), generated from a fixed seed so every run measures the same input.
"""

from __future__ import annotations

import random
import time
from typing import Any

from common import BenchResult

CONVERSATIONS = 2000
TARGET_S = 2.0

WORDS = ("trip budget hotel train museum recipe oven flour laptop battery screen vaccine fever dose "
         "interview salary resume chess opening knight lease loan interest toddler sleep nap running "
         "shoes plan email landlord heating error module python install phone contract data").split()
OPENERS = ("can you", "what about", "how do i", "is it ok to", "why does", "could you explain", "ok and", "thanks, now")


def synthetic(n: int, seed: int = 0) -> list[Any]:
    from simuser.engine import intent_from_text
    from simuser.schema import Conversation, EndReason, Message

    rng = random.Random(seed)
    conversations = []
    for k in range(n):
        messages = []
        for _ in range(rng.randint(2, 4)):
            user = f"{rng.choice(OPENERS)} {' '.join(rng.choices(WORDS, k=rng.randint(3, 14)))}?"
            reply = " ".join(rng.choices(WORDS, k=rng.randint(20, 60))) + "."
            messages += [Message(role="user", content=user), Message(role="assistant", content=reply)]
        reason = EndReason.USER_ENDED if rng.random() < 0.4 else EndReason.MAX_TURNS
        conversation = Conversation(intent=intent_from_text(f"get help with {rng.choice(WORDS)} number {k % 50}"),
                                    sample_index=k, messages=messages)
        conversation.finish(reason)
        conversations.append(conversation)
    return conversations


def compute_function() -> Any:
    try:
        from simuser.metrics import compute_text_metrics
    except ImportError:
        try:
            from simuser.metrics.evaluate import compute_text_metrics
        except ImportError:
            return None
    return compute_text_metrics


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    compute = compute_function()
    name = f"report card: non-model metrics on {CONVERSATIONS:,} conversations"
    if compute is None:
        return [BenchResult(name, 0.0, "s", f"< {TARGET_S:g} s", None, "skipped: simuser.metrics has no compute_text_metrics")]
    conversations = synthetic(CONVERSATIONS)
    compute(conversations[:50])  # warm-up: imports and lazy tables, not part of the measurement
    start = time.perf_counter()
    values = compute(conversations)
    elapsed = time.perf_counter() - start
    return [BenchResult(name, elapsed, "s", f"< {TARGET_S:g} s", elapsed < TARGET_S,
                        f"{len(values)} values", {"metrics": sorted(values)})]
