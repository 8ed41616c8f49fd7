"""Where a decoding step's time goes on this machine: SmolLM2 ``generate`` at batch 1 and batch 32.

    python benchmarks/profile_generate.py            # per-token time per batch size, then a torch profile

Benchmark 1's speed-up is bounded by (32 x time per token at batch 1) / (time per token at batch 32):
this prints that bound for prompts of benchmark 1's length, and the top operators of each batch size, so
a shortfall can be traced to matrix multiplies (compute-bound) or to per-step overhead.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PROMPT_TOKENS = 400  # about the middle of benchmark 1's conversations
NEW_TOKENS = 32


def batch(tokenizer, rows: int):
    import torch

    ids = torch.randint(100, 20000, (rows, PROMPT_TOKENS))
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def seconds_per_token(model, tokenizer, rows: int, repeats: int = 2) -> float:
    import torch

    inputs = batch(tokenizer, rows)
    best = float("inf")
    for _ in range(repeats):
        with torch.inference_mode():
            start = time.perf_counter()
            model.generate(**inputs, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False,
                           pad_token_id=tokenizer.pad_token_id)
            best = min(best, time.perf_counter() - start)
    return best / NEW_TOKENS


def profile(model, tokenizer, rows: int) -> str:
    import torch
    from torch.profiler import ProfilerActivity, profile as torch_profile

    inputs = batch(tokenizer, rows)
    with torch.inference_mode(), torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        model.generate(**inputs, max_new_tokens=8, min_new_tokens=8, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8)


def main() -> None:
    import torch

    from common import machine
    from simuser.models.local import load_causal_lm

    model, tokenizer = load_causal_lm("smollm2")
    print(machine())
    one, many = seconds_per_token(model, tokenizer, 1), seconds_per_token(model, tokenizer, 32)
    print(f"per generated token: batch 1 {one * 1000:.1f} ms, batch 32 {many * 1000:.1f} ms "
          f"({many / one:.1f}x the cost for 32x the tokens): speed-up bound {32 * one / many:.1f}x")
    for rows in (1, 32):
        print(f"\n--- torch profile, batch {rows}, 8 new tokens, {torch.get_num_threads()} threads ---")
        print(profile(model, tokenizer, rows))


if __name__ == "__main__":
    main()
