"""Tasks: a goal for the simulated user, the information it holds, and a check on the assistant's replies.

A tasks file is JSONL, one task a line (docs/schema.md)::

    {"id": "g17", "intent": "You are a user chatting with an assistant language model to work out a
     bakery's income", "question": "A bakery sells 40 muffins at 3 dollars ... How many dollars ...?",
     "check": {"type": "number", "answer": 120}}

``question`` is the fully specified request (what condition ``original`` asks in one turn, and what the
simulated user knows); ``shards`` optionally split that information into pieces to reveal over turns
("LLMs Get Lost in Multi-Turn Conversation"). Every problem with a file is a one-line
:class:`~simuser.errors.UserError` naming the task and the fix, raised before anything runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simuser.errors import UserError
from simuser.schema import normalize_intent_text

Knowledge = Literal["question", "shards"]


class Task(BaseModel):
    """One task; stored whole in each conversation's ``intent.metadata["task"]`` so a run re-scores alone."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    intent: str = Field(min_length=1)
    question: str = Field(min_length=1)
    shards: list[str] = Field(default_factory=list)
    check: dict[str, Any]
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def check_type(self) -> str:
        return str(self.check.get("type", ""))

    @property
    def intent_text(self) -> str:
        """The goal phrased the UserLM way ('You are a user chatting with ... to ...')."""
        return normalize_intent_text(self.intent)


def load_tasks(path: Path | str, validate_checks: bool = True) -> list[Task]:
    """Tasks from a JSONL file; each task's check is built once here so a bad one fails before the run."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"tasks file {path} does not exist; pass a JSONL file with one task a line (docs/tasks.md)")
    lines = [(n, line) for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if line.strip()]
    if not lines:
        raise UserError(f"tasks file {path} is empty; write one task a line, e.g. {{\"id\": ..., \"question\": ..., \"check\": ...}}")
    tasks = [task_from_record(_json(line, f"{path}:{n}"), f"{path}:{n}") for n, line in lines]
    check_unique(tasks, str(path))
    if validate_checks:
        validate(tasks)
    return tasks


def validate(tasks: list[Task]) -> None:
    """Build every task's check once (unknown types, missing options, unimportable functions fail here)."""
    from simuser.tasks.checks import build_check

    for task in tasks:
        build_check(task)


def task_from_record(record: Any, where: str = "task") -> Task:
    if not isinstance(record, dict):
        raise UserError(f"{where}: a task is a JSON object like {{\"id\": ..., \"intent\": ..., \"question\": ..., \"check\": ...}}")
    name = f"task '{record.get('id')}' ({where})" if record.get("id") is not None else where
    for key, fix in REQUIRED.items():
        if not record.get(key):
            raise UserError(f"{name} has no '{key}'; {fix}")
    if not isinstance(record["check"], dict) or not record["check"].get("type"):
        raise UserError(f"{name}: 'check' must be an object with a 'type', e.g. {{\"type\": \"number\", \"answer\": 120}}")
    try:
        return Task.model_validate({**record, "id": str(record["id"])})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise UserError(f"{name}: field '{field}': {first['msg']}; fields are {', '.join(Task.model_fields)}") from None


REQUIRED = {
    "id": "give every task a unique 'id'",
    "intent": "add the user's high-level goal, e.g. \"work out a bakery's income\"",
    "question": "add the fully specified request the user holds (what the 'original' condition asks in one turn)",
    "check": "add a check such as {\"type\": \"number\", \"answer\": 120} (types: `simuser backends` / docs/tasks.md)",
}


def check_unique(tasks: list[Task], where: str) -> None:
    seen: set[str] = set()
    for task in tasks:
        if task.id in seen:
            raise UserError(f"{where}: task id '{task.id}' appears twice; task ids must be unique")
        seen.add(task.id)


def _json(line: str, where: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: not valid JSON ({exc.msg}); write one task object per line") from None
