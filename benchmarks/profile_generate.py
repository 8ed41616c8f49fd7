"""Where benchmark 1's time goes on this machine: prompt processing (prefill) against decoding, by batch size.

    python benchmarks/profile_generate.py [PROMPT_TOKENS]   # default 420: benchmark 1's mean padded prompt

Batching helps decoding (one weight pass serves 32 rows instead of 1) but not prefill, which is already
a large matrix multiply at batch 1 and costs the same FLOPs however it is batched; the naive loop and
the engine prefill exactly the same prompts. So the engine's speed-up over the naive loop is bounded by

    (prefill + decode at batch 1) / (prefill + decode at batch 32)

This measures both parts for SmolLM2 at benchmark 1's mean prompt length and token caps, prints the
bound, and a torch profile of one batched call (to show which operators the time is in).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload  # noqa: E402

PROMPT_TOKENS = int(sys.argv[1]) if len(sys.argv) > 1 else 420  # benchmark 1: results.json, mean_prompt_tokens
NEW_TOKENS = (workload.USER_TOKENS + workload.ASSISTANT_TOKENS) // 2


def timed_generate(model, pad_id: int, rows: int, prompt: int, new: int) -> float:
    import torch

    ids = torch.randint(100, 20000, (rows, prompt))
    with torch.inference_mode():
        start = time.perf_counter()
        model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=new, min_new_tokens=new,
                       do_sample=False, pad_token_id=pad_id)
        return time.perf_counter() - start


def split(model, pad_id: int, rows: int) -> tuple[float, float]:
    """(prefill seconds per call, decode seconds per new token) at ``rows`` rows."""
    prefill = min(timed_generate(model, pad_id, rows, PROMPT_TOKENS, 1) for _ in range(2))
    full = min(timed_generate(model, pad_id, rows, PROMPT_TOKENS, NEW_TOKENS) for _ in range(2))
    return prefill, (full - prefill) / (NEW_TOKENS - 1)


def profile_table(model, pad_id: int, rows: int) -> str:
    import torch
    from torch.profiler import ProfilerActivity, profile

    ids = torch.randint(100, 20000, (rows, PROMPT_TOKENS))
    with torch.inference_mode(), profile(activities=[ProfilerActivity.CPU]) as prof:
        model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, min_new_tokens=8,
                       do_sample=False, pad_token_id=pad_id)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8)


def main() -> None:
    from common import machine

    from simuser.models.local import load_causal_lm

    model, tokenizer = load_causal_lm("smollm2")
    print(machine())
    timed_generate(model, tokenizer.pad_token_id, 1, 32, 2)  # warm-up
    p1, d1 = split(model, tokenizer.pad_token_id, 1)
    p32, d32 = split(model, tokenizer.pad_token_id, 32)
    naive = 32 * (p1 + NEW_TOKENS * d1)
    engine = p32 + NEW_TOKENS * d32
    print(f"prompt {PROMPT_TOKENS} tokens, {NEW_TOKENS} new tokens per row")
    print(f"batch 1:  prefill {p1:.2f} s/call ({p1 / PROMPT_TOKENS * 1000:.2f} ms/prompt token), decode {d1 * 1000:.1f} ms/token")
    print(f"batch 32: prefill {p32:.2f} s/call ({p32 / PROMPT_TOKENS / 32 * 1000:.2f} ms/prompt token/row), "
          f"decode {d32 * 1000:.1f} ms/step = {d32 / 32 * 1000:.2f} ms/token/row")
    print(f"32 rows: naive {naive:.1f} s (prefill {32 * p1 / naive:.0%}), batched {engine:.1f} s "
          f"(prefill {p32 / engine:.0%}): speed-up bound {naive / engine:.1f}x")
    print(f"\n--- torch profile: one call, batch 32, {PROMPT_TOKENS}-token prompts, 8 new tokens ---")
    print(profile_table(model, tokenizer.pad_token_id, 32))


if __name__ == "__main__":
    main()
