"""Python tools of a tiny shop, for the tool-agent tests: they read and change the conversation's state."""

from __future__ import annotations

INITIAL_STATE = {"orders": {"A7": {"item": "kettle", "status": "processing"}, "B2": {"item": "lamp", "status": "shipped"}}}


def lookup_order(state: dict, order_id: str) -> dict:
    """Look up an order's item and status.

    Args:
        order_id: the order's id, e.g. "A7".
    """
    return state["orders"][order_id]


def cancel_order(state: dict, order_id: str, reason: str = "customer request") -> str:
    """Cancel an order that has not shipped yet.

    Args:
        order_id: the order's id.
        reason: why the customer cancels.
    """
    order = state["orders"][order_id]
    if order["status"] == "shipped":
        return f"order {order_id} has shipped and cannot be cancelled"
    order.update(status="cancelled", reason=reason)
    return f"order {order_id} cancelled"


async def transfer_to_human(summary: str) -> str:
    """Hand the customer over to a human agent (ends the conversation when it is a stop tool)."""
    return "transferred"


TOOLS = [lookup_order, cancel_order, transfer_to_human]
