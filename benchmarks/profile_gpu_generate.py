"""Where a batched ``generate`` step's time goes on a GPU: raw transformers, no simuser in the loop.

    python benchmarks/profile_gpu_generate.py        # CUDA machine; DEV=cpu runs a tiny shape on CPU

UserLM-8b's shape with random bf16 weights (as in bench_gpu.py). For batch sizes 1, 8, 32 and 128 it times
32 forced new tokens, sampled and greedy, with the workload's varied prompt lengths and with equal ones,
in that order: the first call of each ``(batch, prompt length)`` meets shapes it has not seen, the greedy
repeats meet the same shapes again. Then one prompt-only forward per batch size, and a torch.profiler
table of a 32-row call. Results from an H200 are in benchmarks/measured/ and docs/performance.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_gpu  # noqa: E402
import workload  # noqa: E402

DEV = os.environ.get("DEV", "cuda")
TOKENS = 32


def shape() -> dict:
    if DEV == "cuda":
        return bench_gpu.USERLM_8B
    return {**bench_gpu.USERLM_8B, "hidden_size": 64, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2}


def sync() -> None:
    import torch

    if DEV == "cuda":
        torch.cuda.synchronize()


def prompts() -> list[str]:
    from simuser.users.userlm_template import render_prompt

    return [render_prompt(intent.text, [{"role": "user", "content": "hello " * (k % 7)},
                                        {"role": "assistant", "content": "ok " * (k % 13)}])
            for k, intent in enumerate(workload.intents() * 8)]


def generate(model, tok, texts: list[str], sample: bool) -> tuple[float, int]:
    import torch

    batch = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(DEV)
    sampling = {"do_sample": True, "temperature": 1.0, "top_p": 0.8} if sample else {"do_sample": False}
    sync()
    start = time.perf_counter()
    with torch.inference_mode():
        model.generate(**batch, max_new_tokens=TOKENS, min_new_tokens=TOKENS, pad_token_id=tok.pad_token_id, **sampling)
    sync()
    return time.perf_counter() - start, batch["input_ids"].shape[1]


def prefill_ms(model, tok, texts: list[str]) -> float:
    import torch

    batch = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(DEV)
    sync()
    start = time.perf_counter()
    with torch.inference_mode():
        model(**batch)
    sync()
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    from torch.profiler import ProfilerActivity, profile

    out = Path(os.environ.get("OUT", "/tmp"))
    path = bench_gpu.write_model_dir(Path("/tmp/profile-model"), shape())
    model, tok = bench_gpu.random_model(path, DEV)
    tok.padding_side = "left"
    texts = prompts()
    for size in (1, 32, 128):  # warm-up: these (batch, prompt length) shapes are seen once before timing
        generate(model, tok, texts[:size], True)
    rows = []
    for size in (1, 8, 32, 128) if DEV == "cuda" else (1, 8):
        for sample in (True, False):
            for same_length in (False, True):
                batch = [texts[0]] * size if same_length else texts[:size]
                seconds, prompt = generate(model, tok, batch, sample)
                rows.append({"batch": size, "sample": sample, "same_length": same_length, "prompt_tokens": prompt,
                             "s": round(seconds, 3), "ms_per_step": round(1000 * seconds / TOKENS, 1)})
                print(rows[-1], flush=True)
    for size in (1, 32, 128):
        print(f"prefill only, batch {size}: {prefill_ms(model, tok, texts[:size]):.1f} ms", flush=True)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if DEV == "cuda" else [])
    with profile(activities=activities) as prof:
        generate(model, tok, texts[:32], True)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    if DEV == "cuda":
        print(prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=15))
    (out / "profile_rows.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
