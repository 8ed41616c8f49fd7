import time

import pytest

from simuser.errors import UserError
from simuser.schema import Conversation, Intent, Message
from simuser.tasks import CheckContext, Task, build_check, checks
from simuser.tasks.checks.number import extract_number


def run_check(check: dict, reply: str) -> object:
    task = Task(id="t", intent="do a thing", question="q?", check=check)
    conversation = Conversation(intent=Intent(id="t", text="x"), messages=[Message(role="assistant", content=reply)])
    return build_check(task).check(CheckContext(task, conversation, reply))


@pytest.mark.parametrize(("reply", "expected"), [
    ("It costs $1,200.50 in total.", "1200.50"),
    ("The answer is 18.", "18"),
    ("She has 3 apples and 5 pears, so 8 fruits.", "8"),
    ("First 16 - 3 - 4 = 9 eggs, then 9 * 2 = $18", "18"),
    ("-5 degrees", "-5"),
    ("no digits here", None),
    ("1,000,000.", "1000000"),
])
def test_number_extraction_is_the_flexible_last_number(reply, expected):
    assert extract_number(reply) == expected


def test_number_check_compares_as_numbers():
    assert run_check({"type": "number", "answer": 1200.5}, "It costs $1,200.50.").passed
    assert run_check({"type": "number", "answer": 18}, "The answer is 18.00").passed
    result = run_check({"type": "number", "answer": 18}, "I got 18 at first, but the answer is 17.")
    assert (result.passed, result.answer, result.score) == (False, "17", 0.0)
    assert run_check({"type": "number", "answer": "1,200"}, "1200 dollars").passed
    assert run_check({"type": "number", "answer": 5}, "no idea").answer is None


def test_exact_contains_and_regex():
    assert run_check({"type": "exact", "answer": "Paris"}, "  paris. ").passed
    assert not run_check({"type": "exact", "answer": "Paris"}, "It is Paris").passed
    assert run_check({"type": "exact", "answer": ["Paris", "Paris, France"]}, "Paris, France").passed
    partial = run_check({"type": "contains", "answer": ["flour", "eggs"]}, "You need flour and sugar.")
    assert (partial.passed, partial.score, partial.answer) == (False, 0.5, "flour")
    assert run_check({"type": "contains", "answer": ["flour", "eggs"], "all": False}, "Flour!").passed
    match = run_check({"type": "regex", "pattern": r"order #(\d{4})"}, "Your Order #1234 is on its way")
    assert (match.passed, match.answer) == (True, "1234")
    assert not run_check({"type": "regex", "pattern": r"order #(\d{4})"}, "no order").passed


@pytest.mark.parametrize(("reply", "gold", "passed", "answer"), [
    ("Yes, statins lower the risk.", "yes", True, "yes"),
    ("Could you clarify? No, the trial found no benefit.", "no", True, "no"),
    ("The evidence is inconclusive.", "no", False, "maybe"),
    ("I don't know.", "yes", False, None),
])
def test_choice_yes_no_maybe_uses_the_stance_rule(reply, gold, passed, answer):
    result = run_check({"type": "choice", "answer": gold}, reply)
    assert (result.passed, result.answer) == (passed, answer)


def test_choice_with_other_labels_takes_the_first_sentence_naming_one():
    check = {"type": "choice", "answer": "B", "labels": ["A", "B", "C"]}
    assert run_check(check, "Is it A or C? The answer is B. A is a distractor.").answer == "B"
    assert run_check(check, "A and B are both plausible. I pick C.").answer == "C"
    assert not run_check(check, "Hard to say.").passed


def test_python_check_calls_the_function(tmp_path, monkeypatch):
    (tmp_path / "my_rules.py").write_text(
        "def polite(conversation, task, word='please'):\n"
        "    return 0.5 if word in conversation.messages[-1].content else 0.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    check = {"type": "python", "function": "my_rules:polite", "threshold": 0.5}
    assert run_check(check, "please wait").passed
    assert run_check(check, "wait").score == 0.0
    assert run_check({**check, "word": "thanks"}, "thanks").passed


def test_unknown_type_and_options_are_one_line_errors():
    task = Task(id="t9", intent="x", question="q", check={"type": "nope"})
    with pytest.raises(UserError, match=r"task 't9': unknown check 'nope'; choose one of: .*number"):
        build_check(task)
    task = Task(id="t9", intent="x", question="q", check={"type": "number", "anwser": 3})
    with pytest.raises(UserError, match="task 't9': unknown check 'number' option 'anwser'; valid options: answer, tolerance"):
        build_check(task)
    assert "code" in checks.names()


CODE = {"type": "code", "tests": ["assert add(2, 3) == 5", "assert add(-1, 1) == 0"], "timeout_s": 3}


def test_code_check_passes_a_correct_function():
    result = run_check(CODE, "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\nDone.")
    assert (result.passed, result.score) == (True, 1.0)


def test_code_check_fails_a_wrong_function_with_the_failing_test():
    result = run_check(CODE, "```python\ndef add(a, b):\n    return a - b\n```")
    assert not result.passed and result.score == 0.0
    assert "AssertionError" in result.reason and "0/2 tests pass" in result.reason


def test_code_check_kills_an_infinite_loop_within_the_timeout():
    started = time.perf_counter()
    result = run_check({**CODE, "timeout_s": 1}, "```python\ndef add(a, b):\n    while True: pass\n```")
    assert not result.passed and "timed out" in result.reason
    assert time.perf_counter() - started < 8


def test_code_check_blocks_sockets_and_writes_outside_its_directory(tmp_path):
    socket_code = ("```python\nimport socket\ndef add(a, b):\n"
                   "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    return a + b\n```")
    result = run_check(CODE, socket_code)
    assert not result.passed and "blocked by the code check: socket" in result.reason
    outside = tmp_path / "escaped.txt"
    write_code = f"```python\ndef add(a, b):\n    open({str(outside)!r}, 'w').write('x')\n    return a + b\n```"
    result = run_check(CODE, write_code)
    assert not result.passed and "outside the working directory" in result.reason
    assert not outside.exists()
    inside = "```python\ndef add(a, b):\n    open('scratch.txt', 'w').write('x')\n    return a + b\n```"
    assert run_check(CODE, inside).passed


def test_code_check_without_tests_or_code():
    task = Task(id="c1", intent="x", question="q", check={"type": "code", "tests": []})
    with pytest.raises(UserError, match="task 'c1': invalid check 'code' option 'tests'"):
        build_check(task)
    assert "no Python code" in run_check(CODE, "I would add them, you know").reason


JUDGE = {"type": "judge", "rubric": "The reply apologises.", "model": {"name": "callable", "options": {"target": "task_fakes:strict_judge"}}}


@pytest.mark.parametrize(("reply", "passed", "answer", "error"), [
    ("I am so sorry about that.", True, "PASS", None),
    ("That is your problem.", False, "FAIL", None),
    ("boom", False, None, "the judge failed: RuntimeError: judge endpoint down"),
    ("mumble", False, None, "the judge gave no VERDICT line: I think it is fine."),
])
def test_judge_records_verdict_and_rationale_through_the_chat_model(reply, passed, answer, error):
    result = run_check(JUDGE, reply)
    assert (result.passed, result.answer, result.error) == (passed, answer, error)
    if error is None:
        assert result.reason.startswith("the reply")


def test_judge_needs_a_rubric_and_a_model():
    with pytest.raises(UserError, match="check 'judge'"):
        build_check(Task(id="j", intent="x", question="q", check={"type": "judge", "rubric": "be kind"}))
