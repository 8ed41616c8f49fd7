"""The ``gsm8k`` suite: the 1,319 GSM8K test problems (MIT, ``data/gsm8k``) as sharded math tasks.

Task ``gsm8k-0000`` is the file's first problem. Its check is ``number`` on the number after ``####``.
Shards follow "LLMs Get Lost in Multi-Turn Conversation": the question first, then one sentence per shard:

1. split the problem into sentences at ``.``, ``!`` or ``?`` followed by whitespace (so ``$2.50`` and
   ``3.5`` stay whole);
2. shard 1 is the *last* sentence that contains a ``?`` (the question asked; the last sentence when none
   does); the other sentences follow in their original order, one shard each.

The rule is deterministic, so the shards are the same on every machine. Unlike LiC's hand-checked shards,
a sentence holding two facts stays one shard.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from simuser.tasks.model import Task
from simuser.tasks.suites import Suite, pick

INTENT = "get help with a math word problem"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def shards(problem: str) -> list[str]:
    sentences = [s.strip() for s in SENTENCE_END.split(" ".join(problem.split())) if s.strip()]
    asks = [i for i, s in enumerate(sentences) if "?" in s]
    first = asks[-1] if asks else len(sentences) - 1
    return [sentences[first], *(s for i, s in enumerate(sentences) if i != first)]


def final_number(solution: str) -> str:
    return solution.rsplit("####", 1)[-1].strip().replace(",", "")


@lru_cache(maxsize=1)
def gsm8k_tasks() -> tuple[Task, ...]:
    text = resources.files("simuser").joinpath("data/gsm8k/test.jsonl").read_text("utf-8")
    tasks = []
    for index, line in enumerate(text.splitlines()):
        record = json.loads(line)
        tasks.append(Task(id=f"gsm8k-{index:04d}", intent=INTENT, question=" ".join(record["question"].split()),
                          shards=shards(record["question"]), check={"type": "number", "answer": final_number(record["answer"])},
                          metadata={"source": "gsm8k test", "index": index}))
    return tuple(tasks)


def gsm8k_suite(count: int | None = None, seed: int = 0) -> Suite:
    return Suite("gsm8k", pick(gsm8k_tasks(), count, seed), knowledge="shards",
                 description="GSM8K test problems, sharded (MIT, OpenAI)")
