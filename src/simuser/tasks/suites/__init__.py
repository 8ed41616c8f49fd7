"""Built-in task suites, by name: ``gsm8k`` (math word problems, sharded) and ``pubmedqa`` (the demo's).

A suite is a function ``(count, seed) -> Suite``: its tasks (``count`` of them, picked reproducibly from
the seed; all when ``count`` is None) and how the simulated user is told them (``knowledge``). Third
parties add suites under the ``simuser.suites`` entry point.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from simuser.errors import UserError
from simuser.registry import Registry
from simuser.tasks.model import Knowledge, Task


@dataclass(frozen=True)
class Suite:
    name: str
    tasks: list[Task]
    knowledge: Knowledge = "question"
    description: str = ""


suites: Registry[Suite] = Registry(  # each factory: (count, seed) -> Suite
    "suite",
    "simuser.suites",
    {
        "gsm8k": "simuser.tasks.suites.gsm8k:gsm8k_suite",
        "pubmedqa": "simuser.demo.suite:pubmedqa_suite",  # the demo owns the PubMedQA intents rule
    },
)


def load_suite(name: str, count: int | None = None, seed: int = 0) -> Suite:
    return suites.factory(name)(count=count, seed=seed)


def pick(tasks: Sequence[Task], count: int | None, seed: int, flag: str = "--tasks-count") -> list[Task]:
    """``count`` tasks in a seeded, order-independent shuffle (sha256 of seed and id); all, in order, when None."""
    if count is None:
        return list(tasks)
    if not 1 <= count <= len(tasks):
        raise UserError(f"{flag} must be between 1 and {len(tasks)} (got {count})")
    return sorted(tasks, key=lambda t: hashlib.sha256(f"{seed}:{t.id}".encode()).hexdigest())[:count]
