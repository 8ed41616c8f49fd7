"""The tool loop against a scripted model: rounds, the bound, stop tools, and failures."""

from __future__ import annotations

import json

import shop_tools

from simuser.tools import ToolSet, initial_state, run_tool_loop


def body(content=None, calls=()):
    tool_calls = [{"id": f"call_{i}", "index": i, "type": "function",
                   "function": {"name": name, "arguments": json.dumps(args)}} for i, (name, args) in enumerate(calls)]
    message = {"role": "assistant", "content": content, **({"tool_calls": tool_calls} if tool_calls else {})}
    return {"choices": [{"message": message, "finish_reason": "tool_calls" if calls else "stop"}]}


class ScriptedModel:
    def __init__(self, *bodies):
        self.bodies, self.seen = list(bodies), []

    async def __call__(self, messages, tools):
        self.seen.append(([m["role"] for m in messages], [t["function"]["name"] for t in tools]))
        return self.bodies.pop(0)


async def run(model, max_rounds=3, stop_on=()):
    state = initial_state(shop_tools.INITIAL_STATE)
    result = await run_tool_loop(model, [{"role": "user", "content": "cancel A7"}], ToolSet.load("shop_tools:TOOLS"),
                                 state, max_rounds=max_rounds, stop_on=stop_on)
    return result, state


async def test_calls_run_in_order_and_the_final_words_are_the_reply():
    model = ScriptedModel(body(calls=[("lookup_order", {"order_id": "A7"})]),
                          body("Checking.", calls=[("cancel_order", {"order_id": "A7", "reason": "late"})]), body("Cancelled."))
    result, state = await run(model)
    assert (result.content, result.error, result.stopped_on) == ("Cancelled.", None, None)
    assert [(m.role, m.name or "") for m in result.messages] == [
        ("assistant", ""), ("tool", "lookup_order"), ("assistant", ""), ("tool", "cancel_order")]
    assert result.messages[2].content == "Checking."
    assert state["orders"]["A7"]["status"] == "cancelled"
    assert model.seen[2][0] == ["user", "assistant", "tool", "assistant", "tool"]  # the model saw its own calls
    assert model.seen[0][1] == ["lookup_order", "cancel_order", "transfer_to_human"]


async def test_a_model_that_keeps_calling_tools_stops_at_the_bound():
    model = ScriptedModel(*[body(calls=[("lookup_order", {"order_id": "A7"})])] * 3)
    result, _ = await run(model, max_rounds=2)
    assert result.error == "the agent still called tools after 2 rounds (max_tool_rounds)"
    assert len(model.seen) == 3 and [m.role for m in result.messages] == ["assistant", "tool", "assistant", "tool", "assistant"]


async def test_a_stop_tool_ends_the_loop_after_it_ran():
    model = ScriptedModel(body(calls=[("cancel_order", {"order_id": "A7"}), ("transfer_to_human", {"summary": "s"})]))
    result, state = await run(model, stop_on=["transfer_to_human"])
    assert (result.stopped_on, result.content, len(model.seen)) == ("transfer_to_human", "", 1)
    assert result.messages[-1].content == "transferred" and state["orders"]["A7"]["status"] == "cancelled"


async def test_an_endpoint_failure_keeps_the_calls_made_so_far():
    class Failing(ScriptedModel):
        async def __call__(self, messages, tools):
            if not self.bodies:
                raise RuntimeError("HTTP 500 after 5 retries")
            return await super().__call__(messages, tools)

    result, _ = await run(Failing(body(calls=[("lookup_order", {"order_id": "A7"})])))
    assert result.error == "HTTP 500 after 5 retries" and [m.role for m in result.messages] == ["assistant", "tool"]
