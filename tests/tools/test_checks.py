"""tool_called and tool_state on hand-made conversations."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tool_fakes import tool_conversation

from simuser.schema import Conversation
from simuser.tasks.checks.tools import ToolCalledCheck, ToolStateCheck, first_difference


@dataclass
class Context:  # the fields of the checks contract these checks read
    conversation: Conversation
    reply: str = ""
    task: object = None


def with_state(state) -> Context:
    conversation = tool_conversation()
    conversation.metadata["tool_state"] = state
    return Context(conversation)


@pytest.mark.parametrize(("options", "passed", "answer"), [
    ({"name": "lookup"}, True, 'lookup({"order": "A7"})'),
    ({"name": "lookup", "arguments": {"order": "A7"}}, True, 'lookup({"order": "A7"})'),
    ({"name": "lookup", "arguments": {"order": "B2"}}, False, 'lookup({"order": "A7"})'),
    ({"name": "cancel"}, False, None),
])
def test_tool_called(options, passed, answer):
    result = ToolCalledCheck(**options).check(Context(tool_conversation()))
    assert (result.passed, result.score, result.answer) == (passed, float(passed), answer)


STATE = {"orders": {"A7": {"status": "cancelled", "reason": "late"}, "B2": {"status": "shipped"}}}


@pytest.mark.parametrize(("expected", "match", "passed", "reason"), [
    ({"orders": {"A7": {"status": "cancelled"}}}, "subset", True, "the final tool state matches (subset)"),
    ({"orders": {"A7": {"status": "processing"}}}, "subset", False, "the final tool state differs at orders.A7.status"),
    ({"orders": {"C1": {}}}, "subset", False, "the final tool state differs at orders.C1"),
    ({"orders": {"A7": {"status": "cancelled"}, "B2": {"status": "shipped"}}}, "exact", False,
     "the final tool state differs at orders.A7{reason}"),
    (STATE, "exact", True, "the final tool state matches (exact)"),
])
def test_tool_state(expected, match, passed, reason):
    result = ToolStateCheck(expected=expected, match=match).check(with_state(STATE))
    assert (result.passed, result.reason) == (passed, reason)


def test_tool_state_without_any_state_fails_with_a_reason():
    result = ToolStateCheck(expected={}).check(Context(tool_conversation()))
    assert not result.passed and "no tool state" in result.reason


def test_unknown_options_are_rejected():
    with pytest.raises(ValueError, match="extra"):
        ToolCalledCheck(name="x", args={})


def test_lists_compare_whole():
    assert first_difference({"a": [1, 2]}, {"a": [1, 2]}, exact=False) is None
    assert first_difference({"a": [1]}, {"a": [1, 2]}, exact=False) == "a"
