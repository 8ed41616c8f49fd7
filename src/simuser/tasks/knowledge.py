"""What the simulated user knows: the same text for every simulator, so conditions compare fairly.

A task becomes the conversation's intent. Its text is the task's intent (UserLM phrasing) followed by the
information the user holds, rendered by ``prompts/task_knowledge.md``:

* ``knowledge="question"``: the fully specified question, as one block;
* ``knowledge="shards"``: the task's shards in one numbered block (the task's question when it has none),
  so the user can reveal them a piece at a time.

The mode is a per-suite option (``gsm8k`` uses shards, ``pubmedqa`` the question) and can be set per run
(``--knowledge``). The intent's metadata keeps the task (for checks and re-scoring), the question (for
the ``original`` condition) and the mode; reports show the rendered text.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from simuser.schema import Intent
from simuser.tasks.model import Knowledge, Task

SECTION = {"question": "question", "shards": "shards"}


@lru_cache(maxsize=1)
def templates() -> dict[str, str]:
    """The two renderings, from the data file (sections start with '## question' / '## shards')."""
    text = resources.files("simuser").joinpath("prompts/task_knowledge.md").read_text("utf-8")
    parts: dict[str, str] = {}
    for block in text.split("\n## ")[1:]:
        name, _, body = block.partition("\n")
        parts[name.strip()] = body.strip("\n")
    return parts


def render_knowledge(task: Task, knowledge: Knowledge = "question") -> str:
    """The intent followed by the information the user holds (see the module docstring)."""
    if knowledge == "shards":
        shards = task.shards or [task.question]
        info = "\n".join(f"{number}. {shard}" for number, shard in enumerate(shards, start=1))
    else:
        info = task.question
    return templates()[SECTION[knowledge]].format(intent=task.intent_text.rstrip("."), information=info)


def task_intent(task: Task, knowledge: Knowledge = "question") -> Intent:
    metadata = {**task.metadata, "task": task.model_dump(mode="json"), "question": task.question, "knowledge": knowledge}
    return Intent(id=task.id, text=render_knowledge(task, knowledge), metadata=metadata)


def intent_task(intent: Intent) -> Task | None:
    """The task a conversation's intent carries, or None for an ordinary intent."""
    record = intent.metadata.get("task")
    return Task.model_validate(record) if isinstance(record, dict) else None
