"""Tools for an assistant backend: options, the per-conversation state, and the reply a tool loop makes.

The model is asked through the one chat-model interface (:mod:`simuser.models.chat`), built from the
backend's endpoint options with the tools' schemas added to every request body (``extra_body``); the
tool calls come back in ``Generation.metadata["tool_calls"]``. This module runs
:func:`simuser.tools.run_tool_loop` with the conversation's tool state (from the request, or the
``tool_state`` option when the conversation has none yet) and turns the result into an
:class:`AssistantReply` carrying every call and result and the new state. Options:

- ``tools``: ``package.module:function`` references (a list, or one string with commas), or objects with
  an explicit schema (see :mod:`simuser.tools.toolset`);
- ``tool_state``: the state a conversation starts from: a dict, a ``.json`` file or ``package.module:attr``
  (an intent's ``metadata.tool_state`` takes precedence, so each task can start from its own);
- ``max_tool_rounds``: the loop's bound; ``stop_on_tool``: tool names that end the conversation.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

from simuser.assistants.base import AssistantReply, AssistantRequest
from simuser.errors import UserError
from simuser.models.chat import ChatModel, Sampling, build_chat_model
from simuser.tools import ToolSet, initial_state, run_tool_loop
from simuser.tools.loop import ModelCall


class ToolUse:
    def __init__(self, refs: Any, tools: ToolSet, state: dict[str, Any], max_rounds: int, stop_on: list[str]):
        self.refs, self.tools, self.state, self.max_rounds, self.stop_on = refs, tools, state, max_rounds, stop_on
        self.model: ChatModel | None = None
        self.sampling = Sampling()

    def connect(self, endpoint: dict[str, Any], sampling: Sampling) -> None:
        """Build the chat model for ``endpoint`` (the ``openai`` chat model's options), tools in every request."""
        extra_body = {**(endpoint.get("extra_body") or {}), "tools": self.tools.openai_schemas()}
        self.model = build_chat_model({"name": "openai", "options": {**endpoint, "extra_body": extra_body}})
        self.sampling = sampling

    async def aclose(self) -> None:
        if self.model is not None:
            await self.model.aclose()

    @classmethod
    def build(cls, refs: Any, state: Any, max_rounds: int, stop_on: list[str] | str | None) -> ToolUse | None:
        """None when no tools are given (the backend then behaves as a plain chat assistant)."""
        stop = [stop_on] if isinstance(stop_on, str) else list(stop_on or [])
        if not refs:
            if stop:
                raise UserError("stop_on_tool needs tools; give the assistant tools=package.module:function")
            return None
        if max_rounds < 1:
            raise UserError(f"max_tool_rounds must be at least 1, got {max_rounds}")
        return cls(refs, ToolSet.load(refs), initial_state(state), max_rounds, stop)

    def options(self) -> dict[str, Any]:
        """What the run records (the references, not the functions)."""
        return {"tools": self.refs, "tool_state": self.state, "max_tool_rounds": self.max_rounds,
                "stop_on_tool": self.stop_on}

    async def respond(self, request: AssistantRequest, history: list[dict[str, Any]]) -> AssistantReply:
        assert self.model is not None, "connect() the tool use to an endpoint first"
        state = copy.deepcopy(request.tool_state if request.tool_state is not None else self.state)
        call_model = model_call(self.model, self.sampling, request.seed)
        result = await run_tool_loop(call_model, history, self.tools, state, max_rounds=self.max_rounds,
                                     stop_on=self.stop_on)
        metadata: dict[str, Any] = {"finish_reason": _get(result.body, "finish_reason"), "tool_rounds": _rounds(result)}
        if isinstance(result.body.get("usage"), dict):
            metadata["usage"] = result.body["usage"]
        if result.stopped_on:
            metadata["stopped_on_tool"] = result.stopped_on
        return AssistantReply(result.content, metadata, result.error, result.messages, state)


def model_call(model: ChatModel, sampling: Sampling, seed: int) -> ModelCall:
    """The loop's ``call_model`` over a chat model whose requests already carry the tools (see ``connect``)."""

    async def call(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        [generation] = await model.generate([messages], sampling, [seed])
        if not generation.ok:
            raise RuntimeError(generation.error)
        message = {"role": "assistant", "content": generation.text, "tool_calls": generation.metadata.get("tool_calls")}
        body: dict[str, Any] = {"choices": [{"message": message, "finish_reason": generation.metadata.get("finish_reason")}]}
        if generation.usage is not None:
            body["usage"] = asdict(generation.usage)
        return body

    return call


def _rounds(result: Any) -> int:
    return sum(1 for m in result.messages if m.role == "assistant")


def _get(body: dict[str, Any], key: str) -> Any:
    try:
        return body["choices"][0].get(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
