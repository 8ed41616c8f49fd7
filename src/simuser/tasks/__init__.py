"""Tasks with success checks, and the reality gap for any assistant.

A task is a goal, the information the simulated user holds (a question, optionally in shards) and a
check on the assistant's replies. ``simuser simulate --tasks`` checks every reply (stopping at the first
that passes), ``simuser score`` reads a run's success back, and ``simuser gap`` runs one assistant under
several conditions (the original question asked once, a prompted simulator, a user model, ...) and
measures how much rosier it looks under each. docs/tasks.md has the formats and the statistics.

Python API (what the CLI calls)::

    from simuser.tasks import load_tasks, score, gap
    tasks = load_tasks("my_tasks.jsonl")
    result = gap(tasks, ["original", "prompted", "userlm"], assistant={"name": "openai", "options": {...}},
                 n=3, out="runs/gap")
"""

from simuser.tasks.checks import Check, CheckContext, CheckResult, build_check, checks
from simuser.tasks.hook import TaskChecker
from simuser.tasks.knowledge import render_knowledge, task_intent
from simuser.tasks.model import Task, load_tasks
from simuser.tasks.run import simulate_tasks, simulate_tasks_ray, task_config
from simuser.tasks.score import RunScore, score

__all__ = [
    "Check", "CheckContext", "CheckResult", "RunScore", "Task", "TaskChecker", "build_check", "checks", "gap",
    "load_tasks", "render_knowledge", "score", "simulate_tasks", "simulate_tasks_ray", "task_config", "task_intent",
]


def __getattr__(name: str):
    if name in ("gap", "GapResult", "Condition", "parse_conditions"):
        from simuser.tasks import reality_gap

        return getattr(reality_gap, name)
    raise AttributeError(name)
