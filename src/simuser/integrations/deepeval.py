"""simuser conversations as DeepEval ``ConversationalTestCase``s, and back.

``simuser export RUN --format deepeval --out cases.json`` writes a JSON list of test cases built with the
real ``deepeval`` classes (so DeepEval validates them), which DeepEval's multi-turn metrics read with::

    cases = [ConversationalTestCase.model_validate(c) for c in json.load(open("cases.json"))]

The mapping: the intent is the test case's ``scenario``; user and assistant messages are ``Turn``s; the
tool calls an agent made before a reply are that reply's ``tools_called`` (name, arguments, and the
tool's answer as ``output``). What DeepEval has no field for (intent id, sample, seed, end reason,
conversation metadata, per-message metadata, tool-call ids and rounds) goes under a ``simuser`` key in
the ``metadata`` of the test case and of each turn, so ``simuser import --format deepeval`` rebuilds the
conversation exactly. A test case written by hand, without that key, imports too.

``deepeval`` is slow to import and may print notices; it is imported on first use, with telemetry opted
out and its output kept out of simuser's.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

from simuser.errors import UserError
from simuser.schema import Conversation, Intent, Message, ToolCall, ToolFunction

KEY = "simuser"


def deepeval_test_case() -> Any:
    """``deepeval.test_case`` (imported once, quietly), or how to install it."""
    os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            from deepeval import test_case
    except ImportError:
        raise UserError("DeepEval export needs deepeval: pip install 'simuser[deepeval]'") from None
    return test_case


def to_test_cases(conversations: list[Conversation]) -> list[Any]:
    return [to_test_case(c) for c in conversations]


def to_test_case(conversation: Conversation) -> Any:
    """One ``ConversationalTestCase`` (validated by DeepEval)."""
    test_case = deepeval_test_case()
    return test_case.ConversationalTestCase(
        turns=[test_case.Turn(**turn) for turn in turns_of(conversation.messages)],
        scenario=conversation.intent.text or None,
        name=f"{conversation.intent.id}:{conversation.sample_index}",
        metadata={KEY: _conversation_facts(conversation)},
    )


def turns_of(messages: list[Message]) -> list[dict[str, Any]]:
    """Turn fields. An assistant turn is a *segment*: the agent's tool calls and results, then its reply."""
    turns: list[dict[str, Any]] = []
    segment: list[Message] = []
    for message in messages:
        if message.role in ("user", "system"):
            _flush(turns, segment)
            turns.append(_plain_turn(message))
        else:
            segment.append(message)
            if message.role == "assistant" and not message.tool_calls:
                _flush(turns, segment)
    _flush(turns, segment)
    return turns


def _flush(turns: list[dict[str, Any]], segment: list[Message]) -> None:
    """One assistant turn from ``segment`` (emptied): the reply's text, every call with its tool's output."""
    if not segment:
        return
    last = segment[-1]
    reply = last if last.role == "assistant" and not last.tool_calls else None
    rounds = [m for m in segment if m.role == "assistant" and m.tool_calls]
    results = {m.tool_call_id: m for m in segment if m.role == "tool"}
    facts = {"message_metadata": reply.metadata if reply else {}, "has_reply": reply is not None,
             "tool_rounds": [[c.id for c in m.tool_calls or []] for m in rounds],
             "round_messages": [{"content": m.content, "metadata": m.metadata} for m in rounds],
             "tool_results": {str(i): {"name": m.name, "metadata": m.metadata} for i, m in results.items()}}
    turn: dict[str, Any] = {"role": "assistant", "content": reply.content if reply else "", "metadata": {KEY: facts}}
    calls = [c for m in rounds for c in m.tool_calls or []]
    if calls:
        turn["tools_called"] = [_deepeval_call(c, results.get(c.id)) for c in calls]
    turns.append(turn)
    segment.clear()


def _plain_turn(message: Message) -> dict[str, Any]:
    role = "user" if message.role == "user" else "assistant"
    return {"role": role, "content": message.content,
            "metadata": {KEY: {"role": message.role, "message_metadata": message.metadata}}}


def _deepeval_call(call: ToolCall, result: Message | None) -> Any:
    return deepeval_test_case().ToolCall(name=call.function.name, input_parameters=call.parsed_arguments(),
                                         output=None if result is None else result.content)


def _conversation_facts(conversation: Conversation) -> dict[str, Any]:
    return json.loads(conversation.model_copy(update={"messages": []}).model_dump_json())


def write_deepeval(conversations: list[Conversation], path: Path) -> None:
    """A JSON list of test cases (DeepEval's own field names)."""
    cases = [c.model_dump(mode="json", exclude_none=True) for c in to_test_cases(conversations)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_deepeval(path: Path) -> list[Conversation]:
    """Conversations from a JSON list of test cases (or one test case), validated by DeepEval first."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not a readable JSON file ({exc}); export one with --format deepeval") from None
    records = raw if isinstance(raw, list) else [raw]
    cls = deepeval_test_case().ConversationalTestCase
    try:
        return [from_test_case(cls.model_validate(record), index) for index, record in enumerate(records)]
    except (ValueError, TypeError) as exc:  # pydantic's errors, and DeepEval's own TypeErrors
        first = str(exc).splitlines()[0]
        raise UserError(f"{path}: not DeepEval ConversationalTestCases ({first}); see docs/agents.md") from None


def from_test_case(case: Any, index: int = 0) -> Conversation:
    """A conversation from a test case; the ``simuser`` metadata, when present, restores what DeepEval lacks."""
    facts = dict((case.metadata or {}).get(KEY) or {})
    if not facts:
        facts = {"intent": {"id": case.name or f"deepeval-{index}", "text": case.scenario or ""}}
        facts["metadata"] = {k: v for k, v in (case.metadata or {}).items()}
    conversation = Conversation.model_validate({**facts, "messages": []})
    conversation.messages = [m for turn in case.turns for m in messages_of(turn)]
    if not conversation.intent.text and case.scenario:
        conversation.intent = Intent(id=conversation.intent.id, text=case.scenario)
    return conversation


def messages_of(turn: Any) -> list[Message]:
    """The message(s) one turn stands for: its tool calls round by round with their results, then the reply."""
    facts = (turn.metadata or {}).get(KEY) or {}
    calls = list(turn.tools_called or [])
    messages: list[Message] = []
    if calls:
        rounds = facts.get("tool_rounds") or [[f"call_{i}" for i in range(len(calls))]]
        own = list(facts.get("round_messages") or [])
        for index, ids in enumerate(rounds):
            chunk, calls = calls[: len(ids)], calls[len(ids):]
            messages += _round(chunk, ids, own[index] if index < len(own) else {}, facts.get("tool_results") or {})
    if facts.get("has_reply", bool(turn.content.strip() or not messages)):
        metadata = facts.get("message_metadata") or {}
        messages.append(Message(role=facts.get("role", turn.role), content=turn.content, metadata=metadata))
    return messages


def _round(calls: list[Any], ids: list[str], own: dict[str, Any], results: dict[str, Any]) -> list[Message]:
    """One assistant message calling ``calls``, then the tool messages answering them."""
    tool_calls = [ToolCall(id=i, function=ToolFunction(name=c.name, arguments=json.dumps(c.input_parameters or {})))
                  for c, i in zip(calls, ids, strict=True)]
    messages = [Message(role="assistant", content=own.get("content", ""), metadata=own.get("metadata", {}),
                        tool_calls=tool_calls)]
    for call, call_id in zip(calls, ids, strict=True):
        if call.output is not None:
            result = results.get(call_id, {})
            messages.append(Message(role="tool", content=_text(call.output), tool_call_id=call_id,
                                    name=result.get("name") or call.name, metadata=result.get("metadata") or {}))
    return messages


def _text(output: Any) -> str:
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
