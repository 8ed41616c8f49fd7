"""UserLM-format models behind an OpenAI-compatible *completions* endpoint (vLLM, llama.cpp, SGLang, TGI).

Why ``/completions`` and not ``/chat/completions``: a chat endpoint applies the server's chat template
and opens an *assistant* header, so a UserLM would write the assistant's side. simuser renders the
UserLM prompt itself (:func:`~simuser.users.userlm_template.render_prompt`: intent, history, open user
header) and asks for a raw continuation that stops at ``<|eot_id|>``. Each conversation is one request;
the requests of a step run concurrently (``concurrency``) and the server batches them.

How each guardrail of the paper is enforced over HTTP (see :mod:`simuser.users.guardrails`):

* ``<|endconversation|>`` before ``min_turns_before_end``: suppressed with ``logit_bias`` ``-100`` on its
  token id when the id is known (from the server's tokenize endpoint, or a local ``tokenizer``); the
  guardrails' ``early_end`` check regenerates any end that still gets through, and is the whole
  mechanism when no id is known.
* The banned first words ("I", "You", "Here"): no common server can ban a token *at the first position
  only*, so a turn that opens with a banned word is redrawn, up to ``max_retries`` times
  (:mod:`simuser.users.banned_openings`), at the cost of extra requests in proportion to how often the
  model opens that way.
* Length and verbatim repeats: the shared checks, regenerating only the rejected rows.

Server specifics live in :data:`simuser.users.server_profiles.PROFILES` (``server="auto"`` reads
``owned_by`` from ``/v1/models``); token ids come from :mod:`simuser.users.token_ids`:

* vLLM and SGLang are asked to keep special tokens in the text (``skip_special_tokens: false``, or
  ``<|endconversation|>`` would vanish from the output), and vLLM not to add a BOS token
  (``add_special_tokens: false``; UserLM prompts carry none). vLLM's ``/tokenize`` gives the end id.
* llama.cpp: sampling is set to the model card's (``top_k: 0``, ``min_p: 0``, ``repeat_penalty: 1``,
  instead of the server defaults 40 / 0.05). ``llama-server`` must run with ``--special``, which puts
  control tokens such as the end marker into the text. llama-cpp-python's server cannot: it always
  detokenizes without special tokens, so with it the user never ends a conversation on their own
  (``--max-turns`` does), and it adds a BOS token when the GGUF asks for one.
* Anything else (``openai``): the generic request; the end marker is handled by regeneration.

Seeds are sent per request, derived from the conversation's turn seed, the guardrail attempt and the
redraw, so a run reproduces on a server that honours ``seed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from simuser import defaults
from simuser.models.concurrency import gather_limited
from simuser.models.http import (
    AiohttpClient,
    EndpointError,
    LoopBoundPool,
    PooledClient,
    RetryPolicy,
    check_reachable,
    post_json,
)
from simuser.models.openai_client import read_api_key
from simuser.options import parse_options
from simuser.schema import ComponentSpec
from simuser.seeds import derive_seed
from simuser.tokens import END_CONVERSATION, END_OF_TURN
from simuser.users.banned_openings import redraft_banned_openings
from simuser.users.base import ConversationState, UserTurn
from simuser.users.guardrails import BAN_BIAS, Draft, generate_with_guardrails
from simuser.users.server_profiles import PROFILES, ServerName, ServerProfile, detect_profile
from simuser.users.token_ids import local_token_id, served_token_id
from simuser.users.userlm_options import ServedUserLMOptions
from simuser.users.userlm_template import parse_user_turn, render_prompt, system_message


class CompletionsOptions(ServedUserLMOptions):
    base_url: str
    model: str
    api_key_env: str | None = None
    server: ServerName = "auto"
    tokenizer: str | None = None  # local tokenizer directory: token ids without asking the server
    concurrency: int = Field(64, ge=1)
    timeout: float = Field(defaults.REQUEST_TIMEOUT_S, gt=0)
    http_retries: int = Field(defaults.MAX_HTTP_RETRIES, ge=0)
    backoff_base_s: float = Field(defaults.BACKOFF_BASE_S, ge=0)
    backoff_max_s: float = Field(defaults.BACKOFF_MAX_S, ge=0)
    extra_body: dict[str, Any] = Field(default_factory=dict)


@dataclass
class _Setup:
    profile: ServerProfile
    end_id: int | None


class UserLMCompletionsSimulator:
    """``--simulator userlm-completions -S base_url=http://localhost:8000/v1 -S model=microsoft/UserLM-8b``."""

    options_model = CompletionsOptions

    def __init__(self, **options: Any):
        self.options: CompletionsOptions = parse_options(CompletionsOptions, options, "userlm-completions")
        self.guardrails = self.options.guardrail_config()
        self.base_url = self.options.base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {key}"} if (key := read_api_key(self.options.api_key_env)) else {}
        o = self.options
        self._retry = RetryPolicy(max_retries=o.http_retries, backoff_base_s=o.backoff_base_s, backoff_max_s=o.backoff_max_s)
        self._setup: _Setup | None = None
        self._pool = LoopBoundPool(self.options.timeout, self.options.concurrency)

    def describe(self) -> ComponentSpec:
        return ComponentSpec(name="userlm-completions", options=self.options.model_dump(),
                             description="UserLM-format model behind an OpenAI-compatible /completions endpoint")

    async def next_turns(self, states: Sequence[ConversationState]) -> list[UserTurn]:
        if not states:
            return []
        await self.setup()
        failures: dict[int, str] = {}
        turns = await generate_with_guardrails(states, lambda s, a: self._draft(s, a, failures), self.guardrails)
        return [UserTurn.exhausted(f"endpoint error: {failures[id(s)]}") if id(s) in failures else t
                for s, t in zip(states, turns, strict=True)]

    async def aclose(self) -> None:
        await self._pool.aclose()

    def prompt(self, state: ConversationState) -> str:
        return render_prompt(system_message(state), state.openai_messages())

    async def setup(self) -> _Setup:
        """Find out (once) which server this is and the end marker's token id."""
        if self._setup is None:
            await check_reachable(self.base_url, flag="the simulator's base_url")
            profile = await self._detect_profile()
            self._setup = _Setup(profile, await self._end_token_id(profile))
        return self._setup

    # -- drafting ---------------------------------------------------------------------------------------
    async def _draft(self, states: list[ConversationState], attempt: int, failures: dict[int, str]) -> list[Draft]:
        async def batch(rows: list[ConversationState], attempt: int, redraw: int) -> list[Draft]:
            return await gather_limited(rows, lambda s: self._request(s, attempt, redraw, failures),
                                        self.options.concurrency)

        tries = self.guardrails.max_retries if self.guardrails.first_token_ban else 0
        return await redraft_banned_openings(states, attempt, batch, self.guardrails.first_token_ban, tries)

    async def _request(self, state: ConversationState, attempt: int, redraw: int, failures: dict[int, str]) -> Draft:
        if id(state) in failures:  # failed for good already: do not hammer the server on each retry
            return Draft("", metadata={"endpoint_error": failures[id(state)]})
        body, metadata = self.request_body(state, derive_seed(state.seed, "completions", attempt, redraw))
        try:
            response = await post_json(self._http(), f"{self.base_url}/completions", body,
                                       headers=self._headers, policy=self._retry)
            text, finish = _first_choice(response, self.base_url)
        except EndpointError as exc:
            failures[id(state)] = str(exc)
            return Draft("", metadata={"endpoint_error": str(exc)})
        parsed, ended = parse_user_turn(text)
        if finish == "length":
            metadata["truncated"] = True
        return Draft(parsed, ended, metadata)

    def request_body(self, state: ConversationState, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """The JSON body for ``state``'s next user turn, and the metadata that says how it was built."""
        assert self._setup is not None, "call setup() first"
        o, metadata = self.options, {}
        body: dict[str, Any] = {
            "model": o.model, "prompt": self.prompt(state), "max_tokens": o.max_new_tokens,
            "temperature": o.temperature, "top_p": o.top_p, "seed": seed, "stop": [END_OF_TURN],
            **self._setup.profile.extra_body,
        }
        if not self.guardrails.end_allowed(state):
            if self._setup.end_id is not None:
                body["logit_bias"] = {str(self._setup.end_id): BAN_BIAS}
            metadata["end_ban"] = "logit_bias" if self._setup.end_id is not None else "regenerate"
        return {**body, **o.extra_body}, metadata

    # -- server discovery -------------------------------------------------------------------------------
    async def _detect_profile(self) -> ServerProfile:
        if self.options.server != "auto":
            return PROFILES[self.options.server]
        return await detect_profile(self._http(), self.base_url, self._headers)

    async def _end_token_id(self, profile: ServerProfile) -> int | None:
        """The single token id of ``<|endconversation|>``, or None (not one token, or no way to ask)."""
        if self.options.tokenizer:
            return local_token_id(self.options.tokenizer, END_CONVERSATION)
        root = self.base_url.removesuffix("/v1")
        return await served_token_id(self._http(), root, profile.tokenize, self.options.model, END_CONVERSATION, self._headers)

    def _http(self) -> AiohttpClient | PooledClient:
        """The HTTP pools for this event loop (several small pools: httpx's cost grows with pool size)."""
        return self._pool.get()


def _first_choice(body: Any, base_url: str) -> tuple[str, str | None]:
    try:
        choice = body["choices"][0]
        return choice.get("text") or "", choice.get("finish_reason")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise EndpointError(f"{base_url}/completions returned a response without choices[0].text") from None
