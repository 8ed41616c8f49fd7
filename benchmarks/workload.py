"""The local-model workload of benchmarks 1 and 2, and the meter that times every ``generate`` call.

Workload: 32 conversations (16 goals x 2 samples), up to 4 user turns, the embedded SmolLM2-135M as the
assistant and, as the user, either (a) the same model prompted to act as a user (long instructions) or
(b) the shipped user model (``userlm``: SmolLM2 plus simuser's adapter, short prompts). Token caps are
``USER_TOKENS`` per user turn and ``ASSISTANT_TOKENS`` per reply; early stopping is on, as in real runs,
so the meter counts the tokens actually generated and comparisons are per generated token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

USER_TOKENS = 32
ASSISTANT_TOKENS = 64
MAX_TURNS = 4
SAMPLES = 2

GOALS = [
    "plan a three-day trip to Lisbon on a budget", "understand why my sourdough bread is too dense",
    "choose a laptop for programming under 1000 dollars", "learn how vaccines train the immune system",
    "write a polite email asking my landlord to fix the heating", "fix a Python error about a missing module",
    "pick a beginner running plan for a 5k race", "compare two mobile phone plans for a family",
    "understand the side effects of ibuprofen", "find a vegetarian recipe for a dinner party",
    "prepare for a job interview as a data analyst", "learn the rules of chess openings",
    "decide whether to lease or buy a car", "set up a monthly household budget",
    "understand how compound interest works", "get my toddler to sleep through the night",
]


def intents() -> list[Any]:
    from simuser.engine import intent_from_text

    return [intent_from_text(goal) for goal in GOALS]


VARIANTS = ("prompted", "userlm")  # (a) the prompted user, long instructions; (b) the shipped user model, short prompts


def simulator_spec(variant: str, batch_size: int) -> Any:
    from simuser.schema import ComponentSpec

    if variant == "prompted":
        return ComponentSpec(name="prompted", options={"max_new_tokens": USER_TOKENS, "batch_size": batch_size})
    if variant == "userlm":  # the shipped user model: SmolLM2-135M plus simuser's adapter
        return ComponentSpec(name="userlm", options={"max_new_tokens": USER_TOKENS, "batch_size": batch_size, "device": "cpu"})
    raise ValueError(f"unknown variant {variant!r}")


def run_config(out: Path | None, batch_size: int = 32, n_goals: int = len(GOALS), max_turns: int = MAX_TURNS,
               variant: str = "prompted") -> Any:
    from simuser.engine import RunConfig
    from simuser.schema import ComponentSpec

    return RunConfig(
        intents=intents()[:n_goals], n=SAMPLES, max_turns=max_turns, batch_size=batch_size, seed=0, out=out,
        simulator=simulator_spec(variant, batch_size),
        assistant=ComponentSpec(name="transformers", options={"max_new_tokens": ASSISTANT_TOKENS, "batch_size": batch_size}),
    )


@dataclass
class GenerateCall:
    rows: int
    prompt_tokens: int  # in all rows' prompts
    reused_tokens: int  # of those, read from per-conversation KV caches instead of prefilled
    new_tokens: int  # in all rows
    seconds: float


@dataclass
class GenerateMeter:
    """Times every batched decode of simuser's local decoder (:mod:`simuser.models.decoding`), whichever
    component makes it. Early stopping stays on, as in real runs: compare per generated token."""

    model: Any = None  # unused: kept so older callers' GenerateMeter(model) still reads
    force_length: bool = False  # every row to its token cap (random-weight models: same work as trained ones)
    calls: list[GenerateCall] = field(default_factory=list)

    def _observe(self, call: Any) -> None:
        self.calls.append(GenerateCall(call.rows, call.prompt_tokens, call.reused_tokens, call.new_tokens, call.seconds))

    def __enter__(self) -> GenerateMeter:
        from simuser.models import decoding

        decoding.observers.append(self._observe)
        decoding.force_full_length = self.force_length
        return self

    def __exit__(self, *exc: object) -> None:
        from simuser.models import decoding

        decoding.observers.remove(self._observe)
        decoding.force_full_length = False

    @property
    def generate_s(self) -> float:
        return sum(c.seconds for c in self.calls)

    @property
    def tokens(self) -> int:
        return sum(c.new_tokens for c in self.calls)

    def summary(self) -> dict[str, Any]:
        rows = sum(c.rows for c in self.calls)
        prompt = sum(c.prompt_tokens for c in self.calls)
        reused = sum(c.reused_tokens for c in self.calls)
        return {"generate_calls": len(self.calls), "rows": rows, "new_tokens": self.tokens,
                "mean_prompt_tokens": round(prompt / max(rows, 1)), "prompt_tokens": prompt,
                "reused_prompt_tokens": reused, "prefilled_prompt_tokens": prompt - reused,
                "generate_s": round(self.generate_s, 3)}


def shared_model() -> Any:
    """The one SmolLM2 instance the prompted user and the assistant share (loaded, and warmed up)."""
    from simuser.models.local import LocalChatModel, load_causal_lm

    model, _ = load_causal_lm("smollm2")
    LocalChatModel("smollm2").generate_chat([[{"role": "user", "content": "hi"}]], max_new_tokens=4, seed=0)
    return model


def sizes(quick: bool, shared: dict[str, Any] | None) -> dict[str, int]:
    """Workload sizes: the full benchmark, ``--quick`` (2 turns), or ``--smoke`` (tiny: proves it runs)."""
    if (shared or {}).get("smoke"):
        return {"n_goals": 2, "max_turns": 2, "naive": 2}
    return {"n_goals": len(GOALS), "max_turns": 2 if quick else MAX_TURNS, "naive": 8}
