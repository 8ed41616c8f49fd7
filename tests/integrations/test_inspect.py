"""The Inspect solver: a simuser simulator plays the user against Inspect's mockllm model."""

from __future__ import annotations

import pytest

pytest.importorskip("inspect_ai")
from inspect_ai import Task, eval  # noqa: E402
from inspect_ai.dataset import Sample  # noqa: E402
from inspect_ai.model import ModelOutput, ModelUsage, get_model  # noqa: E402
from inspect_ai.scorer import includes  # noqa: E402
from inspect_ai.solver import system_message, use_tools  # noqa: E402
from inspect_ai.tool import tool  # noqa: E402

from simuser.integrations.inspect import simulated_user  # noqa: E402
from simuser.users.replay import ScriptedSimulator  # noqa: E402


class RecordingUser(ScriptedSimulator):
    """The scripted user, remembering each history (and intent) it was shown."""

    def __init__(self, **options):
        super().__init__(**options)
        self.seen = []

    async def next_turns(self, states):
        self.seen += [(s.intent.text, [(m.role, m.content, m.tool_calls) for m in s.messages]) for s in states]
        return await super().next_turns(states)


def mockllm(*outputs: ModelOutput):
    """Inspect's mockllm model; usage is set on every output because mockllm would otherwise count tokens
    with tiktoken, which downloads its encoding (no network in tests)."""
    def answer(messages, tools, tool_choice, config):
        output = next(queue, None) or ModelOutput.from_content("mockllm", "Default output from mockllm/model")
        output.usage = output.usage or ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output

    queue = iter(outputs)
    return get_model("mockllm/model", custom_outputs=answer)


def run(task: Task, model=None, tmp_path=None):
    [log] = eval(task, model=model or mockllm(), display="none", log_dir=str(tmp_path), log_format="json")
    assert log.status == "success", log.error
    return log.samples


def test_the_user_plays_against_mockllm_until_it_ends(tmp_path):
    user = RecordingUser(turns=["hi, can you help me plan a trip?", "what about food?"])
    task = Task(dataset=[Sample(input="plan a weekend in Lisbon", target="mockllm", id="lisbon")],
                solver=[system_message("Be brief."), simulated_user(user, max_turns=4)], scorer=includes())
    [sample] = run(task, tmp_path=tmp_path)
    assert [(m.role, m.text) for m in sample.messages] == [
        ("system", "Be brief."), ("user", "hi, can you help me plan a trip?"),
        ("assistant", "Default output from mockllm/model"), ("user", "what about food?"),
        ("assistant", "Default output from mockllm/model")]
    assert sample.metadata["simuser"]["end_reason"] == "user_ended" and sample.metadata["simuser"]["user_turns"] == 2
    assert user.seen[0] == ("You are a user chatting with an assistant language model to plan a weekend in Lisbon", [])
    assert [role for role, _, _ in user.seen[2][1]] == ["user", "assistant", "user", "assistant"]  # no system prompt
    assert sample.scores["includes"].value == "C"


def test_max_turns_by_name_with_options_and_keep_input(tmp_path):
    task = Task(dataset=[Sample(input="my kettle is furred up, how do I clean it?", metadata={"intent": "descale a kettle"})],
                solver=simulated_user("scripted", options={"turns": ["a", "b", "c", "d"]}, max_turns=2, keep_input=True))
    [sample] = run(task, tmp_path=tmp_path)
    assert [(m.role, m.text) for m in sample.messages if m.role == "user"] == [
        ("user", "my kettle is furred up, how do I clean it?"), ("user", "b")]  # the input is turn 1
    assert [m.role for m in sample.messages] == ["user", "assistant", "user", "assistant"]
    assert sample.metadata["simuser"] == {**sample.metadata["simuser"], "end_reason": "max_turns", "user_turns": 2,
                                          "intent": "You are a user chatting with an assistant language model to descale a kettle"}


@tool
def order_status():
    async def execute(order_id: str) -> str:
        """Look up an order.

        Args:
            order_id: the order's id.
        """
        return f"order {order_id} has shipped"

    return execute


def test_the_user_never_sees_the_model_s_tool_calls(tmp_path):
    outputs = [ModelOutput.for_tool_call("mockllm", "order_status", {"order_id": "A7"}, content=""),
               ModelOutput.from_content("mockllm", "Your order has shipped."),
               ModelOutput.from_content("mockllm", "Bye!")]
    user = RecordingUser(turns=["where is order A7?", "great, thanks"])
    task = Task(dataset=[Sample(input="track an order")], solver=[use_tools(order_status()), simulated_user(user, max_turns=3)])
    [sample] = run(task, model=mockllm(*outputs), tmp_path=tmp_path)
    assert [m.role for m in sample.messages] == ["user", "assistant", "tool", "assistant", "user", "assistant"]
    assert sample.messages[2].text == "order A7 has shipped"
    assert user.seen[1][1] == [("user", "where is order A7?", None), ("assistant", "Your order has shipped.", None)]


def test_the_example_task_runs(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "examples" / "inspect" / "simulated_user_task.py"
    spec = importlib.util.spec_from_file_location("simulated_user_task", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    samples = run(module.simulated_users(simulator="scripted", max_turns=2), tmp_path=tmp_path)
    assert [s.metadata["simuser"]["user_turns"] for s in samples] == [2, 2]
    assert all(s.scores["includes"].value == "I" for s in samples)  # mockllm never names the target


def test_a_userlm_format_model_plays_the_user_through_its_template(tiny_userlm_dir, tmp_path):
    from simuser.users.userlm import UserLMSimulator

    class PromptRecorder(UserLMSimulator):
        prompts: list = []

        async def next_turns(self, states):
            self.prompts += [self.prompt(s) for s in states]
            return await super().next_turns(states)

    user = PromptRecorder(model=str(tiny_userlm_dir), device="cpu", max_new_tokens=8, max_retries=1,
                           min_turns_before_end=2)  # no end before the second turn: two prompts to check
    task = Task(dataset=[Sample(input="plan a weekend in Lisbon")],
                solver=[system_message("SECRET SYSTEM PROMPT"), simulated_user(user, max_turns=2)])
    [sample] = run(task, tmp_path=tmp_path)
    first_user_turn = next(m.text for m in sample.messages if m.role == "user")
    assert user.prompts[0] == ("<|start_header_id|>system<|end_header_id|>\nYou are a user chatting with an assistant "
                               "language model to plan a weekend in Lisbon<|eot_id|><|start_header_id|>user<|end_header_id|>")
    assert len(user.prompts) == 2 and f"\n{first_user_turn}<|eot_id|>" in user.prompts[1]
    assert "Default output from mockllm/model<|eot_id|>" in user.prompts[1] and "SECRET" not in user.prompts[1]
    assert sample.metadata["simuser"]["simulator"]["name"] == "userlm"
