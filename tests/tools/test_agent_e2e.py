"""End to end: simulated users against a tool-using agent behind a fake OpenAI-compatible server.

The server plays a scripted agent that calls the shop's Python tools; the tools change the
conversation's state; the state and the calls are checked after the run, and the simulated user is
shown never to have seen a tool message.
"""

from __future__ import annotations

import json

import pytest
import shop_tools

from simuser.cli.app import main
from simuser.engine import RunConfig, simulate
from simuser.schema import EndReason, Intent
from simuser.store import read_conversations
from simuser.tasks.checks.tools import ToolCalledCheck, ToolStateCheck
from simuser.testing.fake_openai import FakeOpenAIServer
from simuser.users.replay import ScriptedSimulator


def shop_agent(body):
    """Cancels on 'cancel', hands over on 'human', and words the tool result once the tool answered."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        return f"Done: {last['content']}."
    text = last["content"].lower()
    order = "B2" if "b2" in text else "A7"
    if "cancel" in text:
        return {"tool_calls": [_call("cancel_order", order_id=order, reason="changed my mind")]}
    if "human" in text:
        return {"content": "Transferring you.", "tool_calls": [_call("transfer_to_human", summary="wants a person")]}
    return "How can I help?"


def _call(name, **arguments):
    return {"id": f"call_{name}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


class RecordingUser(ScriptedSimulator):
    """The scripted user, remembering every history it was shown."""

    seen: list

    async def next_turns(self, states):
        self.seen = getattr(self, "seen", []) + [list(s.messages) for s in states]
        return await super().next_turns(states)


@pytest.fixture
def server():
    with FakeOpenAIServer(shop_agent) as running:
        yield running


def config(server, tmp_path, **extra) -> RunConfig:
    intents = [Intent(id="cancel", text="You are a user chatting with an assistant language model to cancel an order",
                      metadata={"tool_state": shop_tools.INITIAL_STATE})]
    options = {"model": "agent", "base_url": server.base_url, "tools": "shop_tools:TOOLS", **extra.pop("options", {})}
    return RunConfig(intents=intents, out=tmp_path / "run", max_turns=3, assistant={"name": "openai", "options": options},
                     simulator={"name": "scripted"}, **extra)


def test_tools_change_the_state_and_the_checks_see_it(server, tmp_path):
    user = RecordingUser(turns=["please cancel my order A7", "cancel order B2 too", "thanks"])
    result = simulate(config(server, tmp_path), simulator=user, progress=False)
    [conversation] = read_conversations(tmp_path / "run")
    assert conversation.end_reason is EndReason.MAX_TURNS
    assert [(m.role, m.name or m.content) for m in conversation.messages[:4]] == [
        ("user", "please cancel my order A7"), ("assistant", ""), ("tool", "cancel_order"),
        ("assistant", "Done: order A7 cancelled.")]
    assert conversation.metadata["tool_state"]["orders"] == {
        "A7": {"item": "kettle", "status": "cancelled", "reason": "changed my mind"},
        "B2": {"item": "lamp", "status": "shipped"}}  # a shipped order cannot be cancelled
    context = type("Context", (), {"conversation": conversation, "reply": "", "task": None})
    assert ToolCalledCheck(name="cancel_order", arguments={"order_id": "B2"}).check(context).passed
    assert ToolStateCheck(expected={"orders": {"A7": {"status": "cancelled"}}}).check(context).passed
    assert not ToolStateCheck(expected={"orders": {"B2": {"status": "cancelled"}}}).check(context).passed
    assert result.conversations[0].metadata["tool_state"] == conversation.metadata["tool_state"]
    assert len(conversation.assistant_turns) == 3
    _assert_user_never_saw_tools(user.seen, server)


def _assert_user_never_saw_tools(seen, server):
    assert len(seen) == 3 and [m.content for m in seen[-1]] == [
        "please cancel my order A7", "Done: order A7 cancelled.", "cancel order B2 too",
        "Done: order B2 has shipped and cannot be cancelled."]
    assert all(m.role in ("user", "assistant") and not m.tool_calls for history in seen for m in history)
    sent = server.requests_to("/chat/completions")[-1].json  # while the agent saw its tools and their results
    assert [m["role"] for m in sent["messages"]] == [
        "user", "assistant", "tool", "assistant", "user", "assistant", "tool", "assistant", "user"]
    assert [t["function"]["name"] for t in sent["tools"]] == ["lookup_order", "cancel_order", "transfer_to_human"]
    assert sent["model"] == "agent" and sent["temperature"] == 0.7 and isinstance(sent["seed"], int)


def test_the_first_state_comes_from_the_option_when_the_intent_has_none(server, tmp_path):
    run = config(server, tmp_path, options={"tool_state": {"orders": {"A7": {"status": "processing"}}}})
    run.intents[0].metadata.clear()
    simulate(run, simulator=ScriptedSimulator(turns=["cancel A7"]), progress=False)
    [conversation] = read_conversations(tmp_path / "run")
    assert conversation.metadata["tool_state"] == {"orders": {"A7": {"status": "cancelled", "reason": "changed my mind"}}}


def test_stop_on_tool_from_the_command_line(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.txt").write_text("get help with an order\n")
    code = main(["simulate", "--intents", "goals.txt", "--out", "runs/stop", "--simulator", "scripted", "-q",
                 "-S", 'turns=["hello", "I want a human", "still there?"]', "--assistant", "openai",
                 "--base-url", server.base_url, "--assistant-model", "agent", "-A", "tools=shop_tools:TOOLS",
                 "-A", "tool_state=shop_tools:INITIAL_STATE", "--stop-on-tool", "transfer_to_human"])
    assert code == 0
    [conversation] = read_conversations(tmp_path / "runs/stop")
    assert conversation.end_reason is EndReason.TOOL_STOP and conversation.metadata["stop_tool"] == "transfer_to_human"
    # the stop tool's turn ends with an empty assistant reply: the place its check is recorded
    assert [m.role for m in conversation.messages] == ["user", "assistant", "user", "assistant", "tool", "assistant"]
    assert conversation.messages[3].content == "Transferring you." and conversation.messages[-1].content == ""
    assert conversation.assistant.options["stop_on_tool"] == ["transfer_to_human"]
    assert len(server.requests_to("/chat/completions")) == 2  # no model call after the stop tool ran


def test_an_agent_stuck_in_tool_calls_ends_with_assistant_error_and_keeps_its_calls(tmp_path):
    with FakeOpenAIServer(lambda body: {"tool_calls": [_call("lookup_order", order_id="A7")]}) as stuck:
        simulate(config(stuck, tmp_path, options={"max_tool_rounds": 2}), simulator=ScriptedSimulator(turns=["hi"]),
                 progress=False)
    [conversation] = read_conversations(tmp_path / "run")
    assert conversation.end_reason is EndReason.ASSISTANT_ERROR and "after 2 rounds" in conversation.error
    assert [m.role for m in conversation.messages] == ["user", "assistant", "tool", "assistant", "tool", "assistant"]


def test_stop_on_tool_without_tools_is_a_user_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goals.txt").write_text("x\n")
    with FakeOpenAIServer() as plain:
        code = main(["simulate", "--intents", "goals.txt", "--simulator", "scripted", "-S", 'turns=["hi"]', "-q",
                     "--assistant", "openai", "--base-url", plain.base_url, "--assistant-model", "m",
                     "--stop-on-tool", "done"])
    assert code == 2 and "stop_on_tool needs tools" in capsys.readouterr().err


def test_show_prints_tool_calls_and_results(server, tmp_path, capsys):
    simulate(config(server, tmp_path), simulator=ScriptedSimulator(turns=["cancel A7"]), progress=False)
    assert main(["show", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert 'calls cancel_order({"order_id": "A7", "reason": "changed my mind"})' in out
    assert "cancel_order -> order A7 cancelled" in out


def test_tool_state_check_scores_a_task_run_and_stops_when_solved(server, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    task = {"id": "cancel-a7", "intent": "cancel an order", "question": "Cancel my order A7.",
            "check": {"type": "tool_state", "expected": {"orders": {"A7": {"status": "cancelled"}}}}}
    (tmp_path / "tasks.jsonl").write_text(json.dumps(task) + "\n")
    code = main(["simulate", "--tasks", "tasks.jsonl", "--out", "runs/tasks", "--simulator", "scripted", "-q",
                 "-S", 'turns=["hello", "please cancel my order A7", "thanks"]', "--assistant", "openai",
                 "--base-url", server.base_url, "--assistant-model", "agent", "-A", "tools=shop_tools:TOOLS",
                 "-A", "tool_state=shop_tools:INITIAL_STATE"])
    assert code == 0
    [conversation] = read_conversations(tmp_path / "runs/tasks")
    checks = [m.metadata["check"]["passed"] for m in conversation.assistant_turns]
    assert checks == [False, True]  # "How can I help?" left A7 as it was; the cancel call changed it
    assert conversation.end_reason is EndReason.TASK_SOLVED
    capsys.readouterr()
    assert main(["score", "runs/tasks", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["success_rate"] == 1.0
