"""One interface for "ask a chat model for a batch of replies": :class:`ChatModel`.

Simulators, assistants, judges, the intent writer and the RAG generator all need the same thing: the next
message for each of several chats, from a local model or an endpoint, reproducibly, with failures kept as
data. Each used to carry its own copy of concurrency, seeding and error handling; now they call
:meth:`ChatModel.generate` and the implementations below carry those concerns once.

Example::

    model = build_chat_model({"name": "openai", "options": {"base_url": "http://localhost:8000/v1", "model": "m"}})
    [reply] = await model.generate([[{"role": "user", "content": "hi"}]], Sampling(temperature=0), seeds=[7])
    print(reply.text if reply.ok else reply.error)
    await model.aclose()

Contract:

* one :class:`Generation` per chat, in order; a failure of one chat is that Generation's ``error``
  (after the implementation's retries), never an exception. Only user errors (a missing model, a missing
  key) and bugs raise.
* ``seeds`` (one per chat) make sampling reproducible; how rows share random streams is the
  implementation's business and is documented on it.
* ``cache_keys`` (one per chat, or None) name the conversation a chat belongs to, so an implementation can
  keep state for it between calls (a local model's KV cache); :meth:`ChatModel.release` says a
  conversation is over. Implementations without such state ignore both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from simuser import defaults
from simuser.registry import Registry
from simuser.schema import ComponentSpec

Chat = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Sampling:
    """How to sample. ``temperature=0`` (or ``do_sample=False``) means greedy decoding.

    ``None`` leaves a value to the endpoint's default (it is not sent).
    """

    max_new_tokens: int | None = defaults.ASSISTANT_MAX_NEW_TOKENS
    temperature: float | None = defaults.TEMPERATURE
    top_p: float | None = defaults.TOP_P
    do_sample: bool = True
    stop: tuple[str, ...] = ()

    @property
    def greedy(self) -> bool:
        return not self.do_sample or (self.temperature is not None and self.temperature <= 0)


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Generation:
    """One chat's reply: its text, or the error that kept it from coming."""

    text: str = ""
    error: str | None = None
    usage: Usage | None = None
    latency_s: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failed(cls, error: str, latency_s: float = 0.0) -> Generation:
        return cls(error=error, latency_s=latency_s)


@runtime_checkable
class ChatModel(Protocol):
    """A batch of chats in, one :class:`Generation` per chat out (see the module docstring)."""

    def describe(self) -> ComponentSpec: ...

    async def generate(
        self,
        chats: Sequence[Chat],
        sampling: Sampling,
        seeds: Sequence[int],
        cache_keys: Sequence[str | None] | None = None,
    ) -> list[Generation]: ...

    def release(self, key: str) -> None: ...

    async def aclose(self) -> None: ...


chat_models: Registry[ChatModel] = Registry(
    "chat model",
    "simuser.chat_models",
    {
        "transformers": "simuser.models.transformers_chat:TransformersChatModel",
        "openai": "simuser.models.openai_chat:OpenAIChatModel",
        "openai-completions": "simuser.models.openai_chat:OpenAICompletionsModel",
        "callable": "simuser.models.callable_chat:CallableChatModel",
    },
)


def build_chat_model(spec: ComponentSpec | Mapping[str, Any] | str) -> ChatModel:
    """A chat model from its name and options (a :class:`ComponentSpec`, a dict like it, or a bare name)."""
    if isinstance(spec, str):
        spec = ComponentSpec(name=spec)
    elif not isinstance(spec, ComponentSpec):
        spec = ComponentSpec.model_validate(dict(spec))
    return chat_models.create(spec.name, **spec.options)


def check_lengths(chats: Sequence[Chat], seeds: Sequence[int], cache_keys: Sequence[str | None] | None) -> None:
    """Every implementation's first line: one seed (and one cache key, if any) per chat."""
    if len(seeds) != len(chats) or (cache_keys is not None and len(cache_keys) != len(chats)):
        raise ValueError(f"{len(chats)} chats need as many seeds and cache keys; got {len(seeds)} seeds")
