"""Simulators that say what they are told: ``replay`` (logged user turns) and ``scripted`` (fixed turns).

``replay`` re-asks the user turns of logged conversations (a run directory, a ``conversations.jsonl`` or
any chat JSONL), turn by turn, against a new assistant: the same human questions, a different system.
A state is matched to a logged conversation by intent id, then by intent text. When several logs share
the intent, the ones whose user turns so far equal the state's are kept (so a conversation stays on one
log across turns), and the state's seed picks among them. When the log's user turns run out, the user
ends the conversation (``end_when_done``) or the simulator reports itself exhausted.

``scripted`` says the same list of turns in every conversation, or a list per intent (id or text); it is the fake
user of tests and demos. A turn equal to the end-of-conversation marker ends the conversation there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from simuser.errors import UserError
from simuser.schema import ComponentSpec, Conversation, Intent, normalize_intent_text
from simuser.tokens import END_CONVERSATION
from simuser.users.base import ConversationState, UserTurn


def load_logged(path: str | Path) -> list[Conversation]:
    """Logged conversations from a run directory or JSONL file (via the run store's reader)."""
    from simuser.store import read_conversations

    return read_conversations(path)


def _text_key(text: str) -> str:
    return normalize_intent_text(text).lower()


class ReplaySimulator:
    """Replays the user side of logged conversations."""

    def __init__(self, conversations: str | Path, end_when_done: bool = True):
        self.source = str(conversations)
        self.end_when_done = end_when_done
        self.logged = [c for c in load_logged(conversations) if c.user_turns]
        if not self.logged:
            raise UserError(f"{self.source} holds no conversation with a user turn; nothing to replay")
        self._by_id: dict[str, list[int]] = defaultdict(list)
        self._by_text: dict[str, list[int]] = defaultdict(list)
        for index, conversation in enumerate(self.logged):
            self._by_id[conversation.intent.id].append(index)
            self._by_text[_text_key(conversation.intent.text)].append(index)

    def intents(self) -> list[Intent]:
        """The logged intents, once each, in file order: the natural intents for a replay run."""
        seen: dict[str, Intent] = {}
        for conversation in self.logged:
            seen.setdefault(conversation.intent.id, conversation.intent)
        return list(seen.values())

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="replay", options={"conversations": self.source, "end_when_done": self.end_when_done},
                             description=f"user turns logged in {self.source}")

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        return [self._next(state) for state in states]

    async def aclose(self) -> None:
        pass

    def _next(self, state: ConversationState) -> UserTurn:
        index = self._pick(state)
        if index is None:
            return UserTurn.exhausted(f"no logged conversation in {self.source} matches intent '{state.intent.id}'")
        turns = [m.content for m in self.logged[index].user_turns]
        metadata = {"replay_index": index}
        if state.turn_index < len(turns):
            return UserTurn.say(turns[state.turn_index], **metadata)
        if self.end_when_done:
            return UserTurn.end(**metadata)
        return UserTurn.exhausted(f"replayed all {len(turns)} logged user turns", **metadata)

    def _pick(self, state: ConversationState) -> int | None:
        candidates = self._by_id.get(state.intent.id) or self._by_text.get(_text_key(state.intent.text)) or []
        said = [m.content for m in state.user_messages]
        on_track = [i for i in candidates if [m.content for m in self.logged[i].user_turns[: len(said)]] == said]
        if not on_track:
            return None
        return on_track[state.seed % len(on_track)]


class ScriptedSimulator:
    """The same turns for every intent (``turns``), or per intent id (``script``)."""

    def __init__(
        self,
        turns: list[str] | None = None,
        script: dict[str, list[str]] | None = None,
        end_after: bool = True,
    ):
        if turns is None and not script:
            raise UserError("the scripted simulator needs turns=[...] or script={intent_id: [...]}")
        self.turns = list(turns) if turns is not None else None
        self.script = {key: list(value) for key, value in (script or {}).items()}
        self.end_after = end_after

    def describe(self) -> ComponentSpec:
        options = {"turns": self.turns, "script": self.script, "end_after": self.end_after}
        return ComponentSpec(name="scripted", options=options, description="fixed user turns")

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        return [self._next(state) for state in states]

    async def aclose(self) -> None:
        pass

    def _next(self, state: ConversationState) -> UserTurn:
        turns = self._script_for(state.intent)
        if turns is None:
            return UserTurn.exhausted(f"no scripted turns for intent '{state.intent.id}'")
        if state.turn_index >= len(turns):
            return UserTurn.end() if self.end_after else UserTurn.exhausted("script finished")
        text = turns[state.turn_index]
        return UserTurn.end() if text.strip() == END_CONVERSATION else UserTurn.say(text)

    def _script_for(self, intent: Intent) -> list[str] | None:
        """Script keys may be intent ids or intent texts (as written, or normalized)."""
        for key in (intent.id, intent.text, intent.metadata.get("original")):
            if key in self.script:
                return self.script[key]
        return self.turns
