"""DeepEval ConversationalTestCases built with the real deepeval package, from a run and back."""

from __future__ import annotations

import json
import os

import pytest
from tool_fakes import tool_conversation

from simuser.cli.app import main
from simuser.engine import RunConfig, simulate
from simuser.schema import EndReason, Message, ToolCall
from simuser.store import read_conversations

os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")  # before the first import, as simuser does
pytest.importorskip("deepeval")
from deepeval.test_case import ConversationalTestCase  # noqa: E402

from simuser.integrations.deepeval import from_test_case, read_deepeval, to_test_case, write_deepeval  # noqa: E402


def agent_conversation():
    """Two rounds of tool calls (one with words) before a reply, then a call the run stopped on."""
    conversation = tool_conversation()
    second = ToolCall.model_validate({"id": "call_2", "function": {"name": "cancel", "arguments": "{\"order\": \"A7\"}"}})
    conversation.messages[3:3] = [Message(role="assistant", content="Cancelling too.", tool_calls=[second]),
                                  Message(role="tool", content="cancelled", tool_call_id="call_2", name="cancel",
                                          metadata={"error": False})]
    third = second.model_copy(update={"id": "call_3", "function": second.function.model_copy(update={"name": "handoff"})})
    conversation.messages += [Message(role="user", content="a human please"),
                              Message(role="assistant", content="", tool_calls=[third]),
                              Message(role="tool", content="ok", tool_call_id="call_3", name="handoff")]
    conversation.metadata["tool_state"] = {"orders": {"A7": "cancelled"}}
    conversation.finish(EndReason.TOOL_STOP)
    return conversation


def test_a_conversation_becomes_a_deepeval_test_case():
    case = to_test_case(agent_conversation())
    assert isinstance(case, ConversationalTestCase)
    assert case.scenario.startswith("You are a user") and case.name == "i:0"
    assert [(t.role, t.content) for t in case.turns] == [
        ("user", "where is my order A7?"), ("assistant", "It has shipped."), ("user", "a human please"), ("assistant", "")]
    reply = case.turns[1]
    assert [(c.name, c.input_parameters, c.output) for c in reply.tools_called] == [
        ("lookup", {"order": "A7"}, "{\"status\": \"shipped\"}"), ("cancel", {"order": "A7"}, "cancelled")]
    assert case.turns[3].tools_called[0].name == "handoff"


def test_test_cases_round_trip_exactly_through_json(tmp_path):
    original = agent_conversation()
    path = tmp_path / "cases.json"
    write_deepeval([original], path)
    loaded = [ConversationalTestCase.model_validate(c) for c in json.loads(path.read_text())]  # as a DeepEval user would
    assert len(loaded[0].turns) == 4
    [back] = read_deepeval(path)
    assert back.model_dump(exclude={"timings"}) == original.model_dump(exclude={"timings"})


def test_a_hand_written_test_case_imports():
    case = ConversationalTestCase(scenario="A user wants a refund", name="refund-1", turns=[
        {"role": "user", "content": "refund please"}, {"role": "assistant", "content": "Done.", "tools_called": [
            {"name": "refund", "input_parameters": {"order": "A7"}, "output": {"ok": True}}]}])
    conversation = from_test_case(case)
    assert (conversation.intent.id, conversation.intent.text) == ("refund-1", "A user wants a refund")
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "refund please"), ("assistant", ""), ("tool", "{\"ok\": true}"), ("assistant", "Done.")]
    assert conversation.messages[1].tool_calls[0].parsed_arguments() == {"order": "A7"}


def test_export_and_import_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    simulate(RunConfig(intents=["plan a trip", "fix a bike"], n=2, out=tmp_path / "run", max_turns=2,
                       simulator={"name": "scripted", "options": {"turns": ["hello there friend", "and then?"]}},
                       assistant={"name": "echo"}), progress=False)
    assert main(["export", "run", "--format", "deepeval", "--out", "cases.json"]) == 0
    cases = json.loads((tmp_path / "cases.json").read_text())
    assert len(cases) == 4 and all(len(c["turns"]) == 4 for c in cases)
    assert main(["import", "cases.json", "--format", "deepeval", "--out", "imported"]) == 0
    original = {c.key: c for c in read_conversations(tmp_path / "run")}
    for conversation in read_conversations(tmp_path / "imported"):
        assert conversation.messages == original[conversation.key].messages


def test_bad_files_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "bad.json").write_text('[{"turns": [{"role": "robot", "content": "x"}]}]')
    assert main(["import", str(tmp_path / "bad.json"), "--format", "deepeval", "--out", str(tmp_path / "r")]) == 2
    assert "not DeepEval ConversationalTestCases" in capsys.readouterr().err
    assert main(["export", str(tmp_path), "--format", "nope", "--out", "x"]) == 2
