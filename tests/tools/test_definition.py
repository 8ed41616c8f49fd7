"""Tools from Python functions: the schema the model sees, argument checks, and the state they change."""

from __future__ import annotations

import json

import pytest
import shop_tools

from simuser.errors import UserError
from simuser.schema import ToolCall, ToolFunction
from simuser.tools import ToolSet, initial_state, tool_from_function


def call(name: str, **arguments) -> ToolCall:
    return ToolCall(id=f"c-{name}", function=ToolFunction(name=name, arguments=json.dumps(arguments)))


def test_schema_comes_from_the_signature_and_the_docstring():
    schema = tool_from_function(shop_tools.cancel_order).openai_schema()
    assert schema == {"type": "function", "function": {
        "name": "cancel_order", "description": "Cancel an order that has not shipped yet.",
        "parameters": {"type": "object", "required": ["order_id"], "properties": {
            "order_id": {"type": "string", "description": "the order's id."},
            "reason": {"type": "string", "description": "why the customer cancels.", "default": "customer request"}}}}}


def test_an_explicit_schema_replaces_the_derived_one():
    parameters = {"type": "object", "properties": {"order_id": {"type": "string"}}}
    [tool] = ToolSet.load({"target": "shop_tools:lookup_order", "name": "find", "description": "Find.",
                           "parameters": parameters}).tools.values()
    assert (tool.name, tool.description, tool.parameters) == ("find", "Find.", parameters)


def test_references_load_functions_lists_and_comma_separated_strings():
    assert list(ToolSet.load("shop_tools:TOOLS").tools) == ["lookup_order", "cancel_order", "transfer_to_human"]
    assert list(ToolSet.load("shop_tools:lookup_order, shop_tools:cancel_order").tools) == ["lookup_order", "cancel_order"]


@pytest.mark.parametrize("ref", ["shop_tools", "no_such_module:f", "shop_tools:nope"])
def test_bad_references_are_user_errors(ref):
    with pytest.raises(UserError, match="tool"):
        ToolSet.load(ref)


async def test_a_call_changes_the_state_and_answers_as_a_tool_message():
    tools, state = ToolSet.load("shop_tools:TOOLS"), initial_state(shop_tools.INITIAL_STATE)
    answer = await tools.execute(call("cancel_order", order_id="A7"), state)
    assert (answer.role, answer.content, answer.tool_call_id, answer.name) == (
        "tool", "order A7 cancelled", "c-cancel_order", "cancel_order")
    assert state["orders"]["A7"] == {"item": "kettle", "status": "cancelled", "reason": "customer request"}
    assert shop_tools.INITIAL_STATE["orders"]["A7"]["status"] == "processing"  # the initial state was copied
    assert (await tools.execute(call("lookup_order", order_id="B2"), state)).content == '{"item": "lamp", "status": "shipped"}'
    assert (await tools.execute(call("transfer_to_human", summary="x"), state)).content == "transferred"  # async


@pytest.mark.parametrize(("bad", "expected"), [
    (call("refund", order_id="A7"), "error: no tool named 'refund'"),
    (call("cancel_order"), "error: ToolArgumentError: order_id: Field required"),
    (call("lookup_order", order_id="Z9"), "error: KeyError: 'Z9'"),
    (ToolCall(id="x", function=ToolFunction(name="lookup_order", arguments="{oops")), "error: ValueError: arguments are not valid JSON"),
])
async def test_mistakes_answer_the_model_with_an_error_instead_of_raising(bad, expected):
    answer = await ToolSet.load("shop_tools:TOOLS").execute(bad, initial_state(shop_tools.INITIAL_STATE))
    assert answer.content.startswith(expected) and answer.metadata == {"error": True}


def test_initial_state_from_a_json_file_and_a_module_attribute(tmp_path):
    path = tmp_path / "state.json"
    path.write_text('{"orders": {}}')
    assert initial_state(str(path)) == {"orders": {}}
    assert initial_state("shop_tools:INITIAL_STATE") == shop_tools.INITIAL_STATE
    with pytest.raises(UserError, match="JSON object"):
        initial_state("shop_tools:TOOLS")
