"""The local-model workload of benchmarks 1 and 2, and the meter that times every ``generate`` call.

Workload: 32 conversations (16 goals x 2 samples), up to 4 user turns, the embedded SmolLM2-135M as
both the prompted user and the assistant. Token caps are fixed and early stopping is off
(``min_new_tokens = max_new_tokens`` on every call), so every user turn costs exactly
``USER_TOKENS`` new tokens and every reply ``ASSISTANT_TOKENS``, in the naive loop and in the engine
alike. A conversation can still end early when the prompted user writes the end marker; the meter
counts the tokens actually generated, so the comparison can be normalised per token.
"""

from __future__ import annotations

import time
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


def run_config(out: Path | None, batch_size: int = 32, n_goals: int = len(GOALS), max_turns: int = MAX_TURNS) -> Any:
    from simuser.engine import RunConfig
    from simuser.schema import ComponentSpec

    return RunConfig(
        intents=intents()[:n_goals], n=SAMPLES, max_turns=max_turns, batch_size=batch_size, seed=0, out=out,
        simulator=ComponentSpec(name="prompted", options={"max_new_tokens": USER_TOKENS, "batch_size": batch_size}),
        assistant=ComponentSpec(name="transformers", options={"max_new_tokens": ASSISTANT_TOKENS, "batch_size": batch_size}),
    )


@dataclass
class GenerateCall:
    rows: int
    prompt_tokens: int  # padded prompt length of the batch
    new_tokens: int  # per row
    seconds: float


@dataclass
class GenerateMeter:
    """Wraps the shared model's ``generate``: fixed-length outputs, and the time of every call."""

    model: Any
    calls: list[GenerateCall] = field(default_factory=list)

    def __enter__(self) -> GenerateMeter:
        original = type(self.model).generate

        def generate(*args: Any, **kwargs: Any) -> Any:
            kwargs["min_new_tokens"] = kwargs["max_new_tokens"]  # no early stop: the same work every time
            start = time.perf_counter()
            output = original(self.model, *args, **kwargs)
            elapsed = time.perf_counter() - start
            prompt = kwargs["input_ids"].shape[1]
            self.calls.append(GenerateCall(output.shape[0], prompt, output.shape[1] - prompt, elapsed))
            return output

        self.model.generate = generate
        return self

    def __exit__(self, *exc: object) -> None:
        del self.model.generate

    @property
    def generate_s(self) -> float:
        return sum(c.seconds for c in self.calls)

    @property
    def tokens(self) -> int:
        return sum(c.rows * c.new_tokens for c in self.calls)

    def summary(self) -> dict[str, Any]:
        rows = sum(c.rows for c in self.calls)
        prompt = sum(c.rows * c.prompt_tokens for c in self.calls) / max(rows, 1)
        return {"generate_calls": len(self.calls), "rows": rows, "new_tokens": self.tokens,
                "mean_prompt_tokens": round(prompt), "generate_s": round(self.generate_s, 3)}


def shared_model() -> Any:
    """The one SmolLM2 instance the prompted user and the assistant share (loaded, and warmed up)."""
    from simuser.models.local import LocalChatModel, load_causal_lm

    model, _ = load_causal_lm("smollm2")
    LocalChatModel("smollm2").generate_chat([[{"role": "user", "content": "hi"}]], max_new_tokens=4, seed=0)
    return model
