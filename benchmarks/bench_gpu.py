"""GPU section: benchmark 1's workload with a user model of UserLM-8b's shape (random weights, bf16).

Runs only when asked (``python benchmarks/run.py --only gpu``) and only on a CUDA machine; elsewhere it
reports itself skipped. No weights are downloaded: the model is built from a config of UserLM-8b's
shape (Llama 3.1 8B: 32 layers, hidden 4096, 32 heads / 8 KV heads, MLP 14336, vocabulary 128256) with
random weights, and a tokenizer padded to that vocabulary. Random weights change what is said, not how
long it takes: every turn is forced to its token cap (``min_new_tokens``), guardrails are off.

Runs of 32 conversations x 4 user turns (assistant: ``echo``, so the user model is the work): the naive
loop (batch size 1; on the first 8 conversations, its time scaled by 4, as in benchmark 1), the simuser
engine with the transformers backend (one batched ``generate`` per step), the engine on 128
conversations at batch size 128 (throughput), and, when vLLM is installed, the engine with ``userlm-vllm``
(``load_format="dummy"``: random weights without a checkpoint; vLLM cannot force a minimum length,
but random weights almost never sample ``<|eot_id|>`` among 128k tokens).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import workload
from common import BenchResult

USERLM_8B = {"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 8192, "rope_theta": 500000.0,
             "rms_norm_eps": 1e-5, "tie_word_embeddings": False}
TOKENS = 32


def write_model_dir(path: Path, shape: dict[str, Any]) -> Path:
    """config.json and a tokenizer of ``shape``'s vocabulary size (no weights)."""
    from transformers import LlamaConfig

    from simuser.testing.tiny_models import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer(userlm=True)
    tokenizer.add_tokens([f"<|reserved_{i}|>" for i in range(len(tokenizer), shape["vocab_size"])], special_tokens=True)
    tokenizer.save_pretrained(path)
    config = LlamaConfig(**shape, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, dtype="bfloat16")
    config.save_pretrained(path)
    return path


def random_model(path: Path, device: str) -> tuple[Any, Any]:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    with torch.device(device):
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(path), dtype=torch.bfloat16)
    return model.eval(), AutoTokenizer.from_pretrained(path)


NAIVE_CONVERSATIONS = 8  # the naive loop is strictly sequential: its time scales linearly to all 32
WIDE_SAMPLES = 8  # the throughput row: 16 goals x 8 samples = 128 conversations in one batch


def config(n_goals: int = len(workload.GOALS), samples: int = workload.SAMPLES, batch_size: int = 32) -> Any:
    from simuser.engine import RunConfig
    from simuser.schema import ComponentSpec

    return RunConfig(intents=workload.intents()[:n_goals], n=samples, max_turns=workload.MAX_TURNS,
                     batch_size=batch_size, assistant=ComponentSpec(name="echo"))


async def naive(simulator: Any, assistant: Any, cfg: Any, conversations: int) -> None:
    from bench_engine import naive_loop_with

    await naive_loop_with(simulator, assistant, cfg, conversations)


def timed_engine(cfg: Any, simulator: Any, model: Any) -> tuple[float, dict[str, Any]]:
    from simuser.assistants.echo import EchoAssistant
    from simuser.engine import simulate

    with workload.GenerateMeter(model, force_length=True) as meter:
        start = time.perf_counter()
        simulate(cfg, simulator=simulator, assistant=EchoAssistant(), progress=False)
        seconds = time.perf_counter() - start
    return seconds, meter.summary()


def run_workload(shape: dict[str, Any], device: str, quick: bool = False) -> dict[str, Any]:
    """Seconds for the naive loop, the engine (transformers), a 128-wide engine run, and vLLM when installed."""
    from simuser.assistants.echo import EchoAssistant
    from simuser.users.userlm import UserLMSimulator

    cfg = config(4 if quick else len(workload.GOALS))
    total = len(cfg.intents) * cfg.n
    naive_n = min(NAIVE_CONVERSATIONS, total)
    times: dict[str, Any] = {"conversations": total, "naive_conversations_run": naive_n, "user_tokens": TOKENS}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_model_dir(Path(tmp), shape)
        model, tokenizer = random_model(path, device)
        simulator = UserLMSimulator.from_model(model, tokenizer, guardrails=False, max_new_tokens=TOKENS, batch_size=128)
        timed_engine(config(1, 1), simulator, model)  # warm-up: CUDA context, kernels, allocator
        with workload.GenerateMeter(model, force_length=True) as meter:
            start = time.perf_counter()
            asyncio.run(naive(simulator, EchoAssistant(), cfg, naive_n))
            naive_run_s = time.perf_counter() - start
        times["naive_s"] = naive_run_s * total / naive_n
        times["naive"] = meter.summary()
        times["engine_s"], times["engine"] = timed_engine(cfg, simulator, model)
        if not quick:
            wide = config(samples=WIDE_SAMPLES, batch_size=128)
            times["wide_conversations"] = len(wide.intents) * wide.n
            times["wide_s"], times["wide"] = timed_engine(wide, simulator, model)
            times["wide_tokens_per_s"] = round(times["wide"]["new_tokens"] / times["wide_s"], 1)
        times["engine_tokens_per_s"] = round(times["engine"]["new_tokens"] / times["engine_s"], 1)
        times["naive_tokens_per_s"] = round(meter.tokens / naive_run_s, 1)
        del model, simulator
        times["vllm_s"] = vllm_time(path, cfg)
    return times


def vllm_time(path: Path, cfg: Any) -> float | None:
    try:
        import vllm  # noqa: F401
    except ImportError:
        return None
    from simuser.engine import simulate
    from simuser.users.userlm_vllm import UserLMVLLMSimulator

    simulator = UserLMVLLMSimulator(model=str(path), dtype="bfloat16", guardrails=False, max_new_tokens=TOKENS,
                                    engine_options={"load_format": "dummy"}).load()
    start = time.perf_counter()
    simulate(cfg, simulator=simulator, progress=False)
    return time.perf_counter() - start


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    name = "GPU: UserLM-8b shape (random, bf16), engine vs naive loop"
    try:
        import torch
    except ImportError:
        return [BenchResult(name, 0.0, "x", ">= 10x", None, "skipped: torch is not installed")]
    if not torch.cuda.is_available():
        return [BenchResult(name, 0.0, "x", ">= 10x", None, "skipped: no CUDA device on this machine")]
    times = run_workload(USERLM_8B, "cuda", quick)
    times["gpu"] = torch.cuda.get_device_name(0)
    speedup = times["naive_s"] / times["engine_s"]
    vllm = f", vLLM engine {times['vllm_s']:.1f} s" if times["vllm_s"] is not None else ", vLLM not installed"
    wide = (f"; {times['wide_conversations']} conversations at batch 128: {times['wide_s']:.1f} s, "
            f"{times['wide_tokens_per_s']:.0f} user tokens/s") if "wide_s" in times else ""
    notes = (f"{times['gpu']}: naive {times['naive_s']:.1f} s ({times['naive_conversations_run']} of "
             f"{times['conversations']} conversations, scaled), engine {times['engine_s']:.1f} s{wide}{vllm}")
    return [BenchResult(name, speedup, "x", ">= 10x", speedup >= 10, notes, times)]
