"""Text identity: the same sampled run at several batch sizes, and killed and resumed, writes the same
conversations (per-row random streams; docs/design/kv-cache.md).

The shipped user model (``userlm``, sampling on, temperature 1) against the echo assistant, float32 on
CPU. The run at batch size 1 is the reference; each other run reports the share of its conversations
identical to it, message for message. The resumed run is interrupted after a third of its conversations
finished and resumed from its run directory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from common import BenchResult


class _Stop(Exception):
    pass


class _StopAfter:
    def __init__(self, after: int):
        self.after, self.finished = after, 0

    def start(self, total: int, done: int) -> None: ...

    def stop(self) -> None: ...

    def conversation_finished(self, conversation: Any) -> None:
        self.finished += 1
        if self.finished == self.after:
            raise _Stop


def texts(result: Any) -> dict[Any, list[str]]:
    return {c.key: [m.content for m in c.messages] for c in result.conversations}


def share(run: dict[Any, list[str]], reference: dict[Any, list[str]]) -> float:
    return 100.0 * sum(run.get(k) == v for k, v in reference.items()) / len(reference)


def run(quick: bool = False, shared: dict[str, Any] | None = None) -> list[BenchResult]:
    from simuser.assistants.echo import EchoAssistant
    from simuser.engine import RunConfig, intent_from_text, simulate
    from simuser.users.userlm import UserLMSimulator

    smoke = bool((shared or {}).get("smoke"))
    conversations, turns, sizes = (6, 2, (3, 6)) if smoke else (16, 3, (4, 16))
    simulator = UserLMSimulator(max_new_tokens=16, device="cpu", temperature=1.0).load()
    intents = [intent_from_text(f"ask about topic number {k} and follow up") for k in range(conversations)]

    def config(batch: int, out: Path | None = None) -> RunConfig:
        return RunConfig(intents=intents, n=1, max_turns=turns, batch_size=batch, seed=3, out=out)

    reference = texts(simulate(config(1), simulator=simulator, assistant=EchoAssistant(), progress=False))
    shares = {f"batch {b}": share(texts(simulate(config(b), simulator=simulator, assistant=EchoAssistant(), progress=False)), reference)
              for b in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config(sizes[0], Path(tmp) / "run")
        try:
            simulate(cfg, simulator=simulator, assistant=EchoAssistant(), progress=_StopAfter(max(1, conversations // 3)))
        except _Stop:
            pass
        resumed = simulate(cfg, simulator=simulator, assistant=EchoAssistant(), progress=False, resume=True)
    shares[f"batch {sizes[0]}, killed and resumed"] = share(texts(resumed), reference)
    worst = min(shares.values())
    notes = "; ".join(f"{k}: {v:.0f}%" for k, v in shares.items()) + " identical to batch 1"
    return [BenchResult(f"text identity across batch sizes and resume (userlm sampled, {conversations} conv x {turns} turns)",
                        worst, "%", "100%", worst == 100.0, notes, {"shares": shares})]
