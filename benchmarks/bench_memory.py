"""Peak memory against batch size, with per-conversation KV caches on.

Each batch size runs in a fresh child process (peak RSS cannot be reset inside one): the shipped user
model (``userlm``: SmolLM2-135M plus simuser's adapter, CPU, float32) against the echo assistant, as many
conversations as the batch size, so every conversation's cache is alive at once. Reported per batch
size: the resident memory once the model is loaded, its peak while simulating (sampled after every decoding
call, from ``/proc/self/status``), their difference (what batching and caches cost), the peak bytes held by
the simulator's KV cache store, and the process's lifetime peak RSS (``ru_maxrss``). The lifetime peak is
set by loading the model from GGUF (de-quantising holds several copies of the weights for a moment), not
by the simulation, which is why it is not the headline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from common import BenchResult

FULL = (1, 8, 32, 64)
QUICK = (1, 8, 32)
SMOKE = (1, 4)

CHILD = r"""
import json, resource, sys
from simuser.engine import RunConfig, intent_from_text, simulate
from simuser.assistants.echo import EchoAssistant
from simuser.models import decoding
from simuser.users.userlm import UserLMSimulator

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

batch, turns, tokens = (int(x) for x in sys.argv[1:4])
simulator = UserLMSimulator(batch_size=batch, max_new_tokens=tokens, device="cpu").load()
loaded_mb = rss_mb()
peak, peak_rss = [0], [loaded_mb]
def observe(call):
    peak[0] = max(peak[0], simulator.cache.nbytes)
    peak_rss[0] = max(peak_rss[0], rss_mb())
decoding.observers.append(observe)
config = RunConfig(intents=[intent_from_text(f"plan trip number {k} to a different city") for k in range(batch)],
                   n=1, max_turns=turns, batch_size=batch, seed=0)
simulate(config, simulator=simulator, assistant=EchoAssistant(), progress=False)
print(json.dumps({"batch_size": batch, "rss_after_load_mb": round(loaded_mb, 1), "peak_rss_simulating_mb": round(peak_rss[0], 1),
                  "growth_mb": round(peak_rss[0] - loaded_mb, 1), "kv_cache_peak_mb": round(peak[0] / 2**20, 2),
                  "lifetime_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def measure(batch: int, turns: int, tokens: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(batch), str(turns), str(tokens)], capture_output=True,
                         text=True, check=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    smoke = bool((shared or {}).get("smoke"))
    sizes, turns, tokens = (SMOKE, 2, 8) if smoke else (QUICK, 3, 32) if quick else (FULL, 4, 32)
    curve = [measure(b, turns, tokens) for b in sizes]
    notes = "; ".join(f"batch {p['batch_size']}: +{p['growth_mb']:.0f} MB over the loaded model "
                      f"({p['rss_after_load_mb']:.0f} MB), KV {p['kv_cache_peak_mb']:.1f} MB" for p in curve)
    largest = curve[-1]
    return [BenchResult(f"memory while simulating vs batch size (userlm, caches on, {turns} turns), peak RSS at batch "
                        f"{largest['batch_size']}", largest["peak_rss_simulating_mb"], "MB", "-", None, notes,
                        {"curve": curve, "turns": turns, "tokens": tokens})]
