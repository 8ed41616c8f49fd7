"""The wire format of ``simuser serve``: an OpenAI chat-completions request in, the next user turn out.

The caller plays the *assistant*. It posts the conversation so far, with the intent as the system
message (the UserLM convention), the simulated user's earlier turns as ``user`` messages and its own
replies as ``assistant`` messages, and gets back the user's next turn::

    POST /v1/chat/completions
    {"model": "any", "seed": 7, "messages": [
        {"role": "system", "content": "You are a user chatting with an assistant language model to ..."},
        {"role": "user", "content": "hi, I need a recipe"},
        {"role": "assistant", "content": "Sure! What kind?"}]}

    -> {"object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": "vegetarian, for four"}}],
        "simuser": {"event": "message", "ended": false, "role": "user", "seed": 7, "turn_index": 1,
                    "batch_size": 3, "metadata": {...}}}

``message.role`` is ``"assistant"`` because OpenAI clients expect the model's message to carry that role;
the text is the *user's* turn (``simuser.role`` says so). When the user ends the conversation,
``finish_reason`` is ``"end_conversation"``, ``simuser.ended`` is true and ``content`` is the UserLM end
marker ``<|endconversation|>``, so a client that reads only the text still sees it.
``simuser.event`` is ``message``, ``end`` (the user left) or ``exhausted`` (the simulator has nothing
more to say, e.g. a script ran out; also ``end_conversation``).

Seeds: the request's ``seed`` when given, else one derived from the server seed and the conversation so
far, so the same request gets the same turn. Sampling fields (``temperature``, ``max_tokens``, ...) are
ignored: the simulator's own options (``-S``) decide.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from simuser.engine.config import intent_from_text
from simuser.schema import Message
from simuser.seeds import derive_seed
from simuser.tokens import END_CONVERSATION
from simuser.users import ConversationState, TurnKind, UserTurn

END_FINISH_REASON = "end_conversation"


class BadRequest(ValueError):
    """The request is not a conversation the simulator can continue; the message says what to fix."""


@dataclass(frozen=True)
class TurnRequest:
    state: ConversationState
    model: str


def parse_request(body: Any, server_seed: int) -> TurnRequest:
    """The simulator's input for one request, or :class:`BadRequest`."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
        raise BadRequest("the body must be a JSON object with a non-empty 'messages' list")
    system, *rest = [_message(m, i) for i, m in enumerate(body["messages"])]
    if system.role != "system":
        raise BadRequest("the first message must be the system message holding the user's intent")
    if any(m.role == "system" for m in rest):
        raise BadRequest("only the first message may be a system message")
    intent_id = str(body.get("user") or "") or None
    intent = intent_from_text(system.content, intent_id)
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise BadRequest("'seed' must be an integer")
    seed = seed if seed is not None else derived_seed(server_seed, body["messages"])
    return TurnRequest(ConversationState(intent, tuple(rest), seed), str(body.get("model") or ""))


def derived_seed(server_seed: int, messages: list[Any]) -> int:
    """A seed from the conversation's content: the same conversation gets the same seed."""
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:16]
    return derive_seed(server_seed, digest)


def _message(raw: Any, index: int) -> Message:
    if not isinstance(raw, dict) or raw.get("role") not in ("system", "user", "assistant"):
        raise BadRequest(f"messages[{index}] must have a role of system, user or assistant")
    content = raw.get("content")
    if isinstance(content, list):  # content parts: keep the text ones
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    if not isinstance(content, str):
        raise BadRequest(f"messages[{index}].content must be a string")
    return Message(role=raw["role"], content=content)


def completion(turn: UserTurn, request: TurnRequest, batch_size: int, model_name: str) -> dict[str, Any]:
    """The chat-completion body for one answered request."""
    ended = turn.kind is not TurnKind.MESSAGE
    event = {TurnKind.MESSAGE: "message", TurnKind.END: "end", TurnKind.EXHAUSTED: "exhausted"}[turn.kind]
    content = END_CONVERSATION if ended else turn.text
    return {
        "id": f"chatcmpl-simuser-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.model or model_name,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": END_FINISH_REASON if ended else "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "simuser": {"event": event, "ended": ended, "role": "user", "seed": request.state.seed,
                    "turn_index": request.state.turn_index, "batch_size": batch_size,
                    "metadata": json.loads(json.dumps(turn.metadata, default=str))},
    }


def error_body(message: str, kind: str) -> dict[str, Any]:
    """OpenAI's error shape, so clients show the message."""
    return {"error": {"message": message, "type": kind}}
