"""Success rates and their failure messages, on hand-built conversations."""

from __future__ import annotations

import pytest

from simuser.schema import Conversation, EndReason, Intent, Message
from simuser.testing import assert_success_rate, success_rate
from simuser.testing.assertions import default_score


def _task(intent_id: str) -> dict:
    return {"id": intent_id, "intent": f"goal {intent_id}", "question": "What is 2 + 2?", "check": {"type": "number", "answer": 4}}


def _conversation(intent_id: str, reason: str, reply: str = "ok", task: bool = False) -> Conversation:
    check = {"check": {"passed": reason == "task_solved", "score": 1.0, "status": "passed"}} if task else {}
    conversation = Conversation(
        intent=Intent(id=intent_id, text=f"goal {intent_id}", metadata={"task": _task(intent_id)} if task else {}),
        messages=[Message(role="user", content=f"question {intent_id}"),
                  Message(role="assistant", content=reply, metadata=check)],
    )
    conversation.end_reason = EndReason(reason) if reason in EndReason._value2member_map_ else None
    if conversation.end_reason is None:
        conversation.__dict__["end_reason"] = _Ending(reason)  # an end reason from a newer schema
    return conversation


class _Ending(str):
    @property
    def value(self) -> str:
        return str(self)


def test_default_score_rules() -> None:
    assert default_score(_conversation("a", "user_ended")) == 1.0
    assert default_score(_conversation("a", "max_turns")) == 1.0
    assert default_score(_conversation("a", "assistant_error")) == 0.0
    assert default_score(_conversation("a", "simulator_exhausted")) == 0.0
    assert default_score(_conversation("a", "max_turns", task=True)) == 0.0  # a task run must be solved
    assert default_score(_conversation("a", "task_solved", task=True)) == 1.0


def test_rate_with_a_check_returning_scores() -> None:
    runs = [_conversation("a", "max_turns", "yes"), _conversation("b", "max_turns", "no")]
    assert success_rate(runs, check=lambda c: c.messages[-1].content == "yes") == 0.5
    assert success_rate(runs, check=lambda c: 0.25) == 0.25
    with pytest.raises(ValueError, match=r"a score in \[0, 1\], got 2"):
        success_rate(runs, check=lambda c: 2)


def test_failure_message_lists_the_worst_first() -> None:
    runs = [_conversation("a", "max_turns", "fine"), _conversation("b", "assistant_error", "x" * 500),
            _conversation("c", "max_turns", "fine")]
    assert assert_success_rate(runs, at_least=0.6) == pytest.approx(2 / 3)
    with pytest.raises(AssertionError) as failure:
        assert_success_rate(runs, at_least=0.9, show=1)
    message = str(failure.value)
    assert message.startswith("success rate 0.67 < 0.90: 2 of 3 conversations succeeded")
    assert "--- b #0: ended assistant_error, score 0.00" in message
    assert "--- a #0" not in message  # only the worst one is shown
    assert "x" * 297 + "..." in message and "x" * 298 not in message


def test_empty_run_fails_loudly() -> None:
    with pytest.raises(AssertionError, match="no conversations"):
        assert_success_rate([], at_least=0.0)


def test_task_conversations_are_scored_by_the_tasks_package() -> None:
    """With simuser.tasks in the build, success is what `simuser score` counts: any reply passed its check."""
    tasks = pytest.importorskip("simuser.tasks")
    task = tasks.Task(id="t1", intent="add two numbers", question="What is 2 + 3?", check={"type": "number", "answer": 5})

    def conversation(passed: list[bool]) -> Conversation:
        messages = []
        for ok in passed:
            messages += [Message(role="user", content="2 + 3?"),
                         Message(role="assistant", content="5" if ok else "4", metadata={"check": {"passed": ok}})]
        return Conversation(intent=tasks.task_intent(task), messages=messages, end_reason=EndReason.MAX_TURNS)

    runs = [conversation([False, True]), conversation([False, False])]
    assert [default_score(c) for c in runs] == [1.0, 0.0]
    assert success_rate(runs) == 0.5
