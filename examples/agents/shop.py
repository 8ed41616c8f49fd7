"""A tiny shop for trying agents with tools: Python tools, their starting state, and a scripted agent.

The tools are what the agent under test calls (``-A tools=shop:TOOLS``, with this folder on PYTHONPATH);
they read and change the conversation's state (``-A tool_state=shop:INITIAL_STATE``, or each intent's
``metadata.tool_state``). ``python examples/agents/shop.py`` serves a *scripted* agent that calls them,
an OpenAI-compatible stand-in for your real agent so the whole pipeline runs offline (see docs/agents.md).
"""

from __future__ import annotations

import json
import re
import sys
import time

INITIAL_STATE = {"orders": {"A7": {"item": "kettle", "status": "processing"}, "B2": {"item": "lamp", "status": "shipped"}}}


def lookup_order(state: dict, order_id: str) -> dict:
    """Look up an order's item and status.

    Args:
        order_id: the order's id, e.g. "A7".
    """
    return state["orders"][order_id.upper()]


def cancel_order(state: dict, order_id: str) -> str:
    """Cancel an order that has not shipped yet.

    Args:
        order_id: the order's id.
    """
    order = state["orders"][order_id.upper()]
    if order["status"] == "shipped":
        return f"order {order_id} has shipped and cannot be cancelled"
    order["status"] = "cancelled"
    return f"order {order_id} cancelled"


def transfer_to_human(summary: str) -> str:
    """Hand the customer over to a human agent.

    Args:
        summary: what the customer needs, in one sentence.
    """
    return "transferred"


TOOLS = [lookup_order, cancel_order, transfer_to_human]


def scripted_agent(body: dict) -> str | dict:
    """Words the last tool result; cancels or looks up an order id it sees; hands over on 'human'."""
    last = body["messages"][-1]
    if last["role"] == "tool":
        return f"Done: {last['content']}. Anything else?"
    text = last.get("content") or ""
    order = re.search(r"\b([A-Z]\d)\b", text.upper())
    if "human" in text.lower() or "person" in text.lower():
        return {"content": "Let me get a colleague.", "tool_calls": [_call("transfer_to_human", summary=text[:80])]}
    if order:
        name = "cancel_order" if "cancel" in text.lower() else "lookup_order"
        return {"tool_calls": [_call(name, order_id=order.group(1))]}
    return "Which order is it about? Please give me its id (like A7)."


def _call(name: str, **arguments: str) -> dict:
    return {"id": f"call_{name}_{time.monotonic_ns()}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}


if __name__ == "__main__":
    from simuser.testing.fake_openai import FakeOpenAIServer

    server = FakeOpenAIServer(scripted_agent).start()
    print(server.base_url, flush=True)  # pass it as --base-url
    try:
        time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 3600)
    finally:
        server.stop()
