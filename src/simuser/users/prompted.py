"""The prompted baseline: any chat model told to act as the user (``--simulator prompted``).

This is what most tools do, and what "Flipping the Dialogue" (arXiv 2510.06552) shows to be a poor
user simulator; simuser ships it so the report card can put a number on the difference.

The role flip: a chat model only ever writes ``assistant`` messages, so it sees the conversation from
the other side. It gets a system prompt with the intent and the rules of playing a user
(``prompts/prompted_user.md``), then a fixed opening ``user`` message ("Start the conversation."), then
the history with roles swapped: the simulated user's past turns become ``assistant`` messages (its own)
and the assistant's replies become ``user`` messages. Its next ``assistant`` message is the next user
turn.

Parsing: the end marker ``<|endconversation|>`` (also written without the bars, with a space, or in
other case, which small models do) ends the conversation. Role labels such as ``User:``, wrapping quotes
and a spilled ``Assistant:`` continuation are stripped. An empty turn is regenerated once (new seed);
still empty, the simulator reports itself exhausted for that conversation.

Backends: ``transformers`` (a local chat model, SmolLM2 by default, one batched call per step) and
``openai`` (any OpenAI-compatible endpoint, one call per conversation, ``concurrency`` at a time); both
are :mod:`simuser.models.chat` models, which carry the batching, concurrency, retries and seeding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.errors import UserError
from simuser.models.chat import Generation, Sampling, build_chat_model
from simuser.options import parse_options
from simuser.population import Persona
from simuser.schema import ComponentSpec
from simuser.seeds import derive_seed
from simuser.tokens import END_CONVERSATION
from simuser.users.base import ConversationState, UserTurn

PROMPT_FILE = Path(__file__).resolve().parent.parent / "prompts" / "prompted_user.md"
SWAP = {"user": "assistant", "assistant": "user"}

_END = re.compile(r"<\|?\s*end\s*[_ -]?\s*conversation\s*\|?>", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:\*\*)?(?:user|me|human)(?:\*\*)?\s*:\s*(?:\*\*)?\s*", re.IGNORECASE)
_SPILL = re.compile(r"\n\s*(?:\*\*)?(?:assistant|ai|bot)(?:\*\*)?\s*:", re.IGNORECASE)
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d"}


def parse_turn(raw: str) -> tuple[str, bool]:
    """``(text, ended)`` from a chat model's raw output (see the module docstring)."""
    if _END.search(raw):
        return "", True
    text = _SPILL.split(raw, maxsplit=1)[0].strip()
    text = _LABEL.sub("", text, count=1).strip()
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text, False


def flip_roles(messages: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The history as the user-playing model sees it: user <-> assistant, system messages dropped."""
    return [{"role": SWAP[m["role"]], "content": m["content"]} for m in messages if m["role"] in SWAP]


@dataclass(frozen=True)
class UserPrompt:
    """The rendered prompt file: the system prompt and the opening message."""

    system: str
    start_message: str

    @classmethod
    def render(cls, intent: str, path: Path = PROMPT_FILE, persona: Persona | None = None) -> UserPrompt:
        """``persona`` (None without ``--population``) is the template's ``persona`` variable."""
        variables = {"intent": intent, "end_marker": END_CONVERSATION, "persona": persona}
        module = _template(path).make_module(variables)
        start = getattr(module, "start_message", None) or "Start the conversation."
        return cls(str(module).strip(), start)


@lru_cache(maxsize=8)
def _template(path: Path):
    import jinja2

    if not path.is_file():
        raise UserError(f"prompt file {path} does not exist; fix the simulator option prompt_file")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(path.parent), undefined=jinja2.StrictUndefined)
    try:
        return env.get_template(path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"prompt file {path}:{exc.lineno}: {exc.message}; fix the Jinja syntax") from None


class PromptedOptions(BaseModel):
    """The prompted simulator's options; the chat-model options go to the backend it names."""

    model_config = ConfigDict(extra="forbid")

    backend: str = "transformers"
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    temperature: float = defaults.TEMPERATURE
    top_p: float = defaults.TOP_P
    max_new_tokens: int = Field(defaults.USER_MAX_NEW_TOKENS, ge=1)
    device: str | None = None
    dtype: str | None = None
    batch_size: int = Field(defaults.BATCH_SIZE, ge=1)
    concurrency: int = Field(defaults.CONCURRENCY, ge=1)
    timeout: float = Field(defaults.REQUEST_TIMEOUT_S, gt=0)
    max_retries: int = Field(defaults.MAX_HTTP_RETRIES, ge=0)
    backoff_base_s: float = Field(defaults.BACKOFF_BASE_S, ge=0)
    backoff_max_s: float = Field(defaults.BACKOFF_MAX_S, ge=0)
    prompt_file: str | None = None

    def chat_model_spec(self) -> ComponentSpec:
        """The :mod:`simuser.models.chat` model this simulator asks; ``prompted`` keeps its batch seeds."""
        if self.backend == "transformers":
            local = {"model": self.model or defaults.EMBEDDED_MODEL, "device": self.device, "dtype": self.dtype,
                     "batch_size": self.batch_size, "seed_label": "prompted"}
            return ComponentSpec(name="transformers", options=local)
        endpoint = self.model_dump(include={"model", "base_url", "api_key_env", "concurrency", "timeout",
                                            "max_retries", "backoff_base_s", "backoff_max_s"})
        return ComponentSpec(name="openai", options=endpoint)


class PromptedSimulator:
    """A chat model playing the user, by prompt and role flip."""

    options_model = PromptedOptions
    BACKENDS = ("transformers", "openai")

    def __init__(self, **options: Any):
        self.options = parse_options(PromptedOptions, options, "prompted simulator")
        if self.options.backend not in self.BACKENDS:
            raise UserError(f"unknown prompted backend '{self.options.backend}'; choose one of: {', '.join(self.BACKENDS)}")
        self.prompt_path = Path(self.options.prompt_file) if self.options.prompt_file else PROMPT_FILE
        UserPrompt.render("check", self.prompt_path)  # a broken prompt file fails now, not mid-run
        o = self.options
        self.sampling = Sampling(max_new_tokens=o.max_new_tokens, temperature=o.temperature, top_p=o.top_p)
        self.chat_model = build_chat_model(o.chat_model_spec())
        self.options.model = self.chat_model.describe().options["model"]

    def describe(self) -> ComponentSpec:
        o = self.options
        return ComponentSpec(name="prompted", options=o.model_dump(),
                             description=f"{o.model} prompted to act as the user ({o.backend})")

    async def check_reachable(self) -> None:
        """Start-up check for endpoint backends (a no-op for local models)."""
        check = getattr(self.chat_model, "check_reachable", None)
        if check is not None:
            await check()

    def chat_for(self, state: ConversationState) -> list[dict[str, str]]:
        """Exactly what the chat model is sent for ``state``'s next user turn."""
        prompt = UserPrompt.render(state.intent.text, self.prompt_path, state.persona)
        return [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.start_message},
                *flip_roles(state.openai_messages())]

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        if not states:
            return []
        turns = await self._attempt(list(states), attempt=0)
        retry = [i for i, turn in enumerate(turns) if turn is None]
        if retry:
            again = await self._attempt([states[i] for i in retry], attempt=1)
            for i, turn in zip(retry, again, strict=True):
                turns[i] = turn or UserTurn.exhausted("the model wrote an empty turn twice", regenerated=True)
        return turns  # type: ignore[return-value]  # every None was replaced above

    def release(self, key: str) -> None:
        """The conversation ``key`` is over: its cached state (a local model's KV cache) can go."""
        self.chat_model.release(key)

    async def aclose(self) -> None:
        await self.chat_model.aclose()

    async def _attempt(self, states: list[ConversationState], attempt: int) -> list[UserTurn | None]:
        """One generation per state; None where the text came out empty (worth one more try)."""
        seeds = [s.seed if attempt == 0 else derive_seed(s.seed, attempt) for s in states]
        chats = [self.chat_for(s) for s in states]
        generations = await self.chat_model.generate(chats, self.sampling, seeds, [s.key for s in states])
        return [_to_turn(g, attempt) for g in generations]


def _to_turn(generation: Generation, attempt: int) -> UserTurn | None:
    if generation.error is not None:
        return UserTurn.exhausted(generation.error)
    text, ended = parse_turn(generation.text)
    metadata: dict[str, Any] = {"regenerated": True} if attempt else {}
    if text != generation.text.strip() or ended:
        metadata["raw"] = generation.text
    if ended:
        return UserTurn.end(**metadata)
    return UserTurn.say(text, **metadata) if text else None
