import json

import pytest
from task_fakes import PROBLEMS, task_record


@pytest.fixture
def tasks_file(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(task_record(*p)) + "\n" for p in PROBLEMS), encoding="utf-8")
    return path
