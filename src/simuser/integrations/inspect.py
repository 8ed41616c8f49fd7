"""A solver for Inspect (inspect_ai) in which a simuser simulator plays the user.

Any simuser simulator can be the user: the shipped user model, UserLM-8b (``userlm``, or a served one
through ``userlm-completions``), the prompted baseline, ``scripted`` for tests. The solver turns
Inspect's messages into the user's view (a :class:`~simuser.users.ConversationState`: tool calls and
tool results are not shown to the user), asks the simulator for the next turn, appends it, lets the
model under test ``generate`` (Inspect runs the model's own tool loop), and repeats until the user ends
the conversation, the simulator runs out, ``max_turns`` user turns are reached, or Inspect's limits
complete the sample::

    from inspect_ai import Task, task
    from inspect_ai.dataset import Sample
    from inspect_ai.solver import system_message
    from simuser.integrations.inspect import simulated_user

    @task
    def lisbon():
        return Task(dataset=[Sample(input="plan a weekend in Lisbon")],
                    solver=[system_message("You are a travel agent."), simulated_user("userlm", max_turns=5)])

The intent is the sample's ``metadata["intent"]`` when present, else the solver's ``intent``, else the
sample's input (phrased the UserLM way); the input is *not* sent to the model unless ``keep_input`` is
set (then it is the first user turn and the simulator continues). How the conversation ended is stored
in ``state.metadata["simuser"]`` (``end_reason`` as in simuser runs, ``user_turns``, ``intent``).
"""

from __future__ import annotations

import json
from typing import Any

from simuser import defaults
from simuser.errors import UserError
from simuser.schema import (
    ComponentSpec,
    EndReason,
    Intent,
    Message,
    ToolCall,
    ToolFunction,
    normalize_intent_text,
)
from simuser.seeds import derive_seed
from simuser.users import ConversationState, TurnKind, UserSimulator

try:
    from inspect_ai.model import ChatMessage, ChatMessageUser
    from inspect_ai.solver import Generate, Solver, TaskState, solver
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError("the Inspect integration needs inspect_ai: pip install 'simuser[inspect]'") from exc

SimulatorArg = str | dict[str, Any] | ComponentSpec | UserSimulator


@solver
def simulated_user(simulator: SimulatorArg = defaults.DEFAULT_SIMULATOR, options: dict[str, Any] | None = None,
                   max_turns: int = defaults.MAX_TURNS, intent: str | None = None, keep_input: bool = False,
                   seed: int = defaults.SEED) -> Solver:
    """Play the user with a simuser simulator (a name with ``options``, a spec, or a built simulator)."""
    if max_turns < 1:
        raise UserError(f"max_turns must be at least 1, got {max_turns}")
    user = build_user(simulator, options)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        conversation_intent = intent_of(state, intent)
        if not keep_input:
            state.messages = [m for m in state.messages if m.role == "system"]
        state, reason = await _converse(user, state, generate, conversation_intent, max_turns, seed)
        turns = sum(1 for m in state.messages if m.role == "user")
        state.metadata["simuser"] = {"end_reason": reason, "user_turns": turns, "intent": conversation_intent.text,
                                     "simulator": user.describe().model_dump()}
        return state

    return solve


async def _converse(user: UserSimulator, state: TaskState, generate: Generate, intent: Intent, max_turns: int,
                    seed: int) -> tuple[TaskState, str]:
    """Alternate ``generate`` and user turns until someone stops; the state and the end reason."""
    if state.messages and state.messages[-1].role == "user":  # keep_input: the model answers the input first
        state = await generate(state)
    while not state.completed and (turn_index := _user_turns(state)) < max_turns:
        view = ConversationState(intent, to_simuser_messages(state.messages),
                                 derive_seed(seed, str(state.sample_id), state.epoch, turn_index))
        [turn] = await user.next_turns([view])
        if turn.kind is not TurnKind.MESSAGE:
            return state, (EndReason.USER_ENDED if turn.kind is TurnKind.END else EndReason.SIMULATOR_EXHAUSTED).value
        metadata = {"simuser": turn.metadata} if turn.metadata else None
        state.messages.append(ChatMessageUser(content=turn.text, metadata=metadata))
        state = await generate(state)
    return state, "inspect_limit" if state.completed else EndReason.MAX_TURNS.value


def build_user(simulator: SimulatorArg, options: dict[str, Any] | None = None) -> UserSimulator:
    """A simulator from a registry name (plus options), a spec or a ``{"name", "options"}`` dict."""
    if not isinstance(simulator, str | dict | ComponentSpec):
        return simulator
    from simuser.engine.components import build_simulator

    if isinstance(simulator, str):
        simulator = ComponentSpec(name=simulator, options=options or {})
    elif isinstance(simulator, dict):
        simulator = ComponentSpec.model_validate(simulator)
    return build_simulator(simulator)


def intent_of(state: TaskState, intent: str | None) -> Intent:
    text = (state.metadata or {}).get("intent") or intent or state.input_text
    if not text.strip():
        raise UserError(f"sample {state.sample_id}: no intent; give the sample an input or metadata['intent']")
    return Intent(id=str(state.sample_id), text=normalize_intent_text(text))


def to_simuser_messages(messages: list[ChatMessage]) -> list[Message]:
    """Inspect's messages as simuser's (system messages are the model's instructions: left out)."""
    converted = []
    for message in messages:
        if message.role == "system":
            continue
        fields: dict[str, Any] = {}
        if message.role == "assistant" and message.tool_calls:
            fields["tool_calls"] = [ToolCall(id=c.id, function=ToolFunction(name=c.function, arguments=json.dumps(c.arguments)))
                                    for c in message.tool_calls]
        if message.role == "tool":
            fields.update(tool_call_id=message.tool_call_id, name=message.function)
        converted.append(Message(role=message.role, content=message.text, **fields))
    return converted


def _user_turns(state: TaskState) -> int:
    return sum(1 for m in state.messages if m.role == "user")
