"""Where a decoding step of simuser's own loop goes, against transformers' ``generate`` on the same shapes.

    python benchmarks/profile_decode.py [PROMPT_TOKENS] [ROWS]   # default 300 tokens, 32 rows

Benchmark 1 divides the naive loop's time per generated token by the engine's. Both run
:func:`simuser.models.decoding.decode`, the naive loop at batch 1 and the engine batched, so what bounds the
ratio is how the cost of one decoding step grows with the batch. This prints, for batch 1 and ``ROWS``:
prefill seconds, milliseconds per decoding step, and the same for ``generate`` (no per-row streams, no
ragged cache), then a torch operator profile of a few batched steps of ``decode``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PROMPT_TOKENS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 32
NEW_TOKENS = 32


def prompts(rows: int, length: int) -> list[list[int]]:
    import torch

    generator = torch.Generator().manual_seed(0)
    return torch.randint(100, 20000, (rows, length), generator=generator).tolist()


def decode_seconds(model, pad_id: int, rows: int, new: int) -> float:
    from simuser.models.decoding import DecodeSettings, decode

    settings = DecodeSettings(max_new_tokens=new, stop_ids=(pad_id,), pad_id=pad_id, min_new_tokens=new, top_p=0.8)
    start = time.perf_counter()
    decode(model, prompts(rows, PROMPT_TOKENS), list(range(rows)), settings)
    return time.perf_counter() - start


def generate_seconds(model, pad_id: int, rows: int, new: int) -> float:
    import torch

    ids = torch.tensor(prompts(rows, PROMPT_TOKENS))
    with torch.inference_mode():
        start = time.perf_counter()
        model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=new, min_new_tokens=new,
                       do_sample=True, top_p=0.8, top_k=0, pad_token_id=pad_id)
        return time.perf_counter() - start


def split(timer, model, pad_id: int, rows: int) -> tuple[float, float]:
    """(prefill seconds, seconds per decoding step)."""
    prefill = min(timer(model, pad_id, rows, 1) for _ in range(2))
    full = min(timer(model, pad_id, rows, NEW_TOKENS) for _ in range(2))
    return prefill, (full - prefill) / (NEW_TOKENS - 1)


def profile_table(model, pad_id: int, rows: int) -> str:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        decode_seconds(model, pad_id, rows, 9)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12)


def main() -> None:
    from common import machine

    from simuser.models.local import load_causal_lm

    model, tokenizer = load_causal_lm("smollm2")
    pad = tokenizer.pad_token_id
    print(machine())
    decode_seconds(model, pad, 1, 2)  # warm-up
    print(f"prompt {PROMPT_TOKENS} tokens, {NEW_TOKENS} new tokens, sampling (top_p 0.8)")
    for name, timer in (("simuser decode", decode_seconds), ("transformers generate", generate_seconds)):
        p1, d1 = split(timer, model, pad, 1)
        pn, dn = split(timer, model, pad, ROWS)
        print(f"{name:22s} batch 1: prefill {p1:.2f} s, {d1 * 1000:.1f} ms/step | batch {ROWS}: prefill {pn:.2f} s, "
              f"{dn * 1000:.1f} ms/step = {dn / ROWS * 1000:.2f} ms/token/row | decode ratio {d1 * ROWS / dn:.1f}x")
    print(f"\n--- torch profile: simuser decode, batch {ROWS}, {PROMPT_TOKENS}-token prompts, 9 new tokens ---")
    print(profile_table(model, pad, ROWS))


if __name__ == "__main__":
    main()
