"""Hand-built conversations for the export tests: they differ in end reason, turns, persona, checks and duplicates."""

from __future__ import annotations

from simuser.schema import ComponentSpec, Conversation, EndReason, Intent, Message

LONG = "i need help planning a cheap weekend trip to lisbon with my two kids and we love museums and food"


def conversation(cid, turns, persona, end=EndReason.USER_ENDED, checks=(), trailing_user=None):
    messages = []
    for i, turn in enumerate(turns):
        reply = Message(role="assistant", content=f"reply {i} to {cid}")
        if i < len(checks):
            reply.metadata["check"] = {"passed": checks[i]}
        messages += [Message(role="user", content=turn), reply]
    if trailing_user:
        messages.append(Message(role="user", content=trailing_user))
    c = Conversation(intent=Intent(id=cid, text=f"You are a user chatting with an assistant language model to {cid}"),
                     seed=7, messages=messages, metadata={"persona": {"name": persona, "description": f"{persona} user"}},
                     simulator=ComponentSpec(name="userlm", options={"model": "default"}),
                     assistant=ComponentSpec(name="echo"))
    c.finish(end)
    return c


CONVERSATIONS = [
    conversation("a", ["hi", "what about rome"], "terse"),
    conversation("b", ["Hi!", "What about ROME?"], "terse"),  # exact duplicate of a after normalisation
    conversation("c", [LONG, "and hotels near the river please"], "verbose", end=EndReason.MAX_TURNS),
    conversation("d", [LONG, "and hotels near the river thanks"], "verbose"),  # near duplicate of c
    conversation("e", ["something else entirely"], "terse", trailing_user="still there?", end=EndReason.MAX_TURNS),
]
