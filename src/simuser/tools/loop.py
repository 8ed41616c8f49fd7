"""The agent's tool loop: ask the model, run the tools it calls, ask again, until it answers in words.

One *round* is one model response that calls tools, followed by running those tools. The loop is bounded
(``max_rounds``): a model still calling tools after that many rounds fails the turn with an error that
says so, instead of looping forever. Every call and every result is recorded as a message, in order, so
the conversation shows what the agent did. A call to a tool named in ``stop_on`` ends the loop right after
that tool has run (the engine then ends the conversation with ``tool_stop``).

The loop knows nothing about HTTP: ``call_model(messages, tools)`` returns an OpenAI-style chat response
body, so any backend that can produce one can drive it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from simuser.schema import Message, ToolCall, ToolFunction
from simuser.tools.toolset import ToolSet

ModelCall = Callable[[list[dict[str, Any]], list[dict[str, Any]]], Awaitable[dict[str, Any]]]


@dataclass
class ToolLoopResult:
    content: str = ""  # the final reply ('' when the loop stopped on a tool or failed)
    messages: list[Message] = field(default_factory=list)  # tool calls and results, in order
    body: dict[str, Any] = field(default_factory=dict)  # the last response (finish_reason, usage)
    stopped_on: str | None = None  # the stop tool that ended the loop
    error: str | None = None


async def run_tool_loop(call_model: ModelCall, history: list[dict[str, Any]], tools: ToolSet, state: dict[str, Any],
                        *, max_rounds: int, stop_on: Collection[str] = ()) -> ToolLoopResult:
    """Drive ``call_model`` until a reply without tool calls; ``state`` is changed in place by the tools."""
    messages, result = list(history), ToolLoopResult()
    for round_index in range(max_rounds + 1):
        try:
            result.body = await call_model(messages, tools.openai_schemas())
            message = assistant_message(result.body)
        except Exception as exc:  # endpoint failures become the turn's error; recorded calls are kept
            result.error = str(exc) or type(exc).__name__
            return result
        if not message.tool_calls:
            result.content = message.content
            return result
        result.messages.append(message)
        if round_index == max_rounds:
            result.error = f"the agent still called tools after {max_rounds} rounds (max_tool_rounds)"
            return result
        await _run_calls(message, tools, state, messages, result)
        if stopped := next((c.function.name for c in message.tool_calls if c.function.name in stop_on), None):
            result.stopped_on = stopped
            return result
    raise AssertionError("unreachable: the last round returns")


async def _run_calls(message: Message, tools: ToolSet, state: dict[str, Any], messages: list[dict[str, Any]],
                     result: ToolLoopResult) -> None:
    messages.append(message.to_openai())
    for call in message.tool_calls or []:
        answer = await tools.execute(call, state)
        result.messages.append(answer)
        messages.append(answer.to_openai())


def assistant_message(body: dict[str, Any]) -> Message:
    """``choices[0].message`` as a :class:`Message`, tool calls normalised (servers add keys such as ``index``)."""
    try:
        choice = body["choices"][0]
        raw = choice["message"]
        calls = [_tool_call(call, i) for i, call in enumerate(raw.get("tool_calls") or [])]
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ValueError("the endpoint returned a response without choices[0].message") from None
    metadata = {"finish_reason": choice.get("finish_reason")}
    if isinstance(body.get("usage"), dict):
        metadata["usage"] = body["usage"]
    return Message(role="assistant", content=raw.get("content") or "", tool_calls=calls or None, metadata=metadata)


def _tool_call(raw: dict[str, Any], index: int) -> ToolCall:
    arguments = raw["function"].get("arguments")
    if not isinstance(arguments, str):  # some servers send an object instead of a JSON string
        arguments = json.dumps(arguments or {})
    return ToolCall(id=raw.get("id") or f"call_{index}", function=ToolFunction(name=raw["function"]["name"], arguments=arguments))
