import json

import pytest

from simuser.errors import UserError
from simuser.tasks import load_tasks, render_knowledge, task_intent

GOOD = {"id": "g1", "intent": "work out a bakery's income", "question": "40 muffins at 3 dollars. How much?",
        "shards": ["How much does the bakery make?", "It sells 40 muffins.", "Each costs 3 dollars."],
        "check": {"type": "number", "answer": 120}}


def write(tmp_path, *records):
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


@pytest.mark.parametrize(("record", "message"), [
    ({k: v for k, v in GOOD.items() if k != "question"}, r"task 'g1' \(.*tasks.jsonl:1\) has no 'question'; add the fully specified"),
    ({k: v for k, v in GOOD.items() if k != "check"}, r"task 'g1' .* has no 'check'; add a check such as"),
    ({**GOOD, "check": {"type": "numbr", "answer": 1}}, r"task 'g1': unknown check 'numbr'; choose one of:"),
    ({**GOOD, "check": {"type": "code"}}, r"task 'g1': invalid check 'code' option 'tests': Field required"),
    ({**GOOD, "check": {"type": "python", "function": "no_such_pkg.rules:ok"}}, r"task 'g1': target 'no_such_pkg.rules:ok': cannot import"),
    ({**GOOD, "colour": "red"}, r"task 'g1' .*: field 'colour': Extra inputs"),
    ("{not json", r"tasks.jsonl:1: not valid JSON"),
])
def test_bad_tasks_are_one_line_errors_naming_the_task(tmp_path, record, message):
    with pytest.raises(UserError, match=message) as caught:
        load_tasks(write(tmp_path, record))
    assert "\n" not in str(caught.value)


def test_duplicate_ids_and_missing_file(tmp_path):
    with pytest.raises(UserError, match="task id 'g1' appears twice"):
        load_tasks(write(tmp_path, GOOD, GOOD))
    with pytest.raises(UserError, match="does not exist"):
        load_tasks(tmp_path / "nope.jsonl")


def test_what_the_user_knows_is_the_intent_then_the_information(tmp_path):
    (task,) = load_tasks(write(tmp_path, GOOD))
    assert render_knowledge(task, "question") == (
        "You are a user chatting with an assistant language model to work out a bakery's income.\n\n"
        "The information you have:\n40 muffins at 3 dollars. How much?")
    assert render_knowledge(task, "shards").endswith(
        "a piece at a time, as the conversation needs it):\n"
        "1. How much does the bakery make?\n2. It sells 40 muffins.\n3. Each costs 3 dollars.")
    intent = task_intent(task, "shards")
    assert intent.id == "g1" and intent.metadata["question"] == GOOD["question"] and intent.metadata["task"]["id"] == "g1"
