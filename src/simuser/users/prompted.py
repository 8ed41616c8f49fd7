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
``openai`` (any OpenAI-compatible endpoint, one call per conversation, ``concurrency`` at a time).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from simuser import defaults
from simuser.errors import UserError
from simuser.schema import ComponentSpec
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
    def render(cls, intent: str, path: Path = PROMPT_FILE) -> UserPrompt:
        module = _template(path).make_module({"intent": intent, "end_marker": END_CONVERSATION})
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


@dataclass
class Generation:
    text: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Sampling:
    temperature: float
    top_p: float
    max_new_tokens: int


class LocalBackend:
    """A local chat model: every conversation of the step in one batched ``generate_chat`` call."""

    def __init__(self, model: str | None, device: str | None, dtype: str | None, batch_size: int, **_: Any):
        from simuser.models.local import LocalChatModel

        self.model = model or defaults.EMBEDDED_MODEL
        self.chat_model = LocalChatModel(self.model, device=device, dtype=dtype, batch_size=batch_size)

    async def generate(self, chats: list[list[dict[str, str]]], seeds: list[int], sampling: Sampling) -> list[Generation]:
        from simuser.seeds import derive_seed

        texts = await asyncio.to_thread(
            self.chat_model.generate_chat, chats, max_new_tokens=sampling.max_new_tokens,
            temperature=sampling.temperature, top_p=sampling.top_p, seed=derive_seed("prompted", *seeds),
            do_sample=sampling.temperature > 0,
        )
        return [Generation(text) for text in texts]

    async def aclose(self) -> None:
        pass


class EndpointBackend:
    """An OpenAI-compatible endpoint: one request per conversation, ``concurrency`` at a time."""

    def __init__(self, model: str | None, base_url: str | None, api_key_env: str | None, concurrency: int,
                 timeout: float, max_retries: int, backoff_base_s: float, backoff_max_s: float, **_: Any):
        from simuser.models.http import RetryPolicy
        from simuser.models.openai_client import OpenAIChatClient

        retry = RetryPolicy(max_retries=max_retries, backoff_base_s=backoff_base_s, backoff_max_s=backoff_max_s)
        self.client = OpenAIChatClient(base_url, model, api_key_env, timeout=timeout, retry=retry,
                                       max_connections=concurrency)
        self.model = model
        self.concurrency = concurrency

    async def generate(self, chats: list[list[dict[str, str]]], seeds: list[int], sampling: Sampling) -> list[Generation]:
        from simuser.models.concurrency import gather_limited

        return await gather_limited(list(zip(chats, seeds, strict=True)), lambda row: self._one(*row, sampling), self.concurrency)

    async def _one(self, chat: list[dict[str, str]], seed: int, sampling: Sampling) -> Generation:
        from simuser.models.http import EndpointError

        try:
            text = await self.client.chat(chat, temperature=sampling.temperature, top_p=sampling.top_p,
                                          max_tokens=sampling.max_new_tokens, seed=seed)
        except EndpointError as exc:
            return Generation(error=str(exc))
        return Generation(text)

    async def aclose(self) -> None:
        await self.client.aclose()


BACKENDS: dict[str, Callable[..., Any]] = {"transformers": LocalBackend, "openai": EndpointBackend}


class PromptedSimulator:
    """A chat model playing the user, by prompt and role flip."""

    def __init__(
        self,
        backend: str = "transformers",
        model: str | None = None,
        base_url: str | None = None,
        api_key_env: str | None = None,
        temperature: float = defaults.TEMPERATURE,
        top_p: float = defaults.TOP_P,
        max_new_tokens: int = defaults.USER_MAX_NEW_TOKENS,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = defaults.BATCH_SIZE,
        concurrency: int = defaults.CONCURRENCY,
        timeout: float = defaults.REQUEST_TIMEOUT_S,
        max_retries: int = defaults.MAX_HTTP_RETRIES,
        backoff_base_s: float = defaults.BACKOFF_BASE_S,
        backoff_max_s: float = defaults.BACKOFF_MAX_S,
        prompt_file: str | None = None,
    ):
        if backend not in BACKENDS:
            raise UserError(f"unknown prompted backend '{backend}'; choose one of: {', '.join(BACKENDS)}")
        self.options = dict(locals())
        del self.options["self"]
        self.prompt_path = Path(prompt_file) if prompt_file else PROMPT_FILE
        UserPrompt.render("check", self.prompt_path)  # a broken prompt file fails now, not mid-run
        self.sampling = Sampling(temperature, top_p, max_new_tokens)
        self.backend = BACKENDS[backend](**{k: v for k, v in self.options.items() if k != "backend"})
        self.options["model"] = self.backend.model

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="prompted", options=dict(self.options),
                             description=f"{self.options['model']} prompted to act as the user ({self.options['backend']})")

    async def check_reachable(self) -> None:
        """Start-up check for endpoint backends (a no-op for local models)."""
        if isinstance(self.backend, EndpointBackend):
            await self.backend.client.check_reachable()

    def chat_for(self, state: ConversationState) -> list[dict[str, str]]:
        """Exactly what the chat model is sent for ``state``'s next user turn."""
        prompt = UserPrompt.render(state.intent.text, self.prompt_path)
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

    async def aclose(self) -> None:
        await self.backend.aclose()

    async def _attempt(self, states: list[ConversationState], attempt: int) -> list[UserTurn | None]:
        """One generation per state; None where the text came out empty (worth one more try)."""
        from simuser.seeds import derive_seed

        seeds = [s.seed if attempt == 0 else derive_seed(s.seed, attempt) for s in states]
        generations = await self.backend.generate([self.chat_for(s) for s in states], seeds, self.sampling)
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
