"""Any assistant behind a JSON HTTP API: ``--assistant http -A url=... -A response_path=...``.

Most production bots are not OpenAI-shaped: they take ``{"session": ..., "text": ...}`` and answer
``{"data": {"reply": {"text": ...}}}``. Instead of a Python wrapper per bot, this backend is configured
with four things:

- ``url`` (and ``method``, POST by default);
- ``body_template``: a Jinja template that renders to the JSON request body (or ``body_template_file``).
  Variables: ``messages`` (the conversation, OpenAI-style ``{"role", "content"}`` dicts), ``last_message``
  (the user's newest message), ``conversation_id``, ``turn`` (1 for the first user turn), ``seed``, and
  ``session_id`` (what the bot returned at ``session_id_path`` earlier in this conversation; None before).
  Insert values with ``|tojson`` so quotes and newlines stay valid JSON. The template is checked at start-up
  against a message holding quotes and a newline, so a missing ``|tojson`` is one error line, not a run of
  failures;
- ``response_path``: where the reply text is in the response (:mod:`simuser.models.json_path`, e.g.
  ``data.reply.text`` or ``choices[0].message.content``);
- ``headers``: header values may name environment variables as ``${VAR}`` (``Authorization: Bearer
  ${BOT_TOKEN}``); they are expanded when the backend starts and only the unexpanded form is recorded in the
  run, so secrets never reach ``run.json``.

Stateful bots: with ``session_id_path`` the backend keeps, per conversation, the session id the bot returns
and offers it to the template (and as the request header ``session_header`` when set). Retries, timeouts and
``Retry-After`` are those of the OpenAI backend (:mod:`simuser.models.http`); a call that still fails ends
that conversation with ``assistant_error``.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simuser import defaults
from simuser.assistants.base import AssistantReply, AssistantRequest, gather_limited, timed_reply
from simuser.errors import UserError
from simuser.models.http import (
    AiohttpClient,
    EndpointError,
    LoopBoundPool,
    PooledClient,
    RetryPolicy,
    request_json,
)
from simuser.models.json_path import PathError, get_path, parse_path
from simuser.options import parse_options
from simuser.redact import remember
from simuser.schema import ComponentSpec

DEFAULT_BODY_TEMPLATE = '{"messages": {{ messages|tojson }}, "conversation_id": {{ conversation_id|tojson }}}'
#: Rendered once at start-up: a template that breaks on quotes or newlines fails here, not mid-run.
_PROBE_TEXT = 'a "quoted" word,\na second line and a backslash \\'


class HttpAssistantOptions(BaseModel):
    """Options of ``--assistant http`` (``-A KEY=VALUE``); unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    url: str
    response_path: str
    method: Literal["POST", "PUT"] = "POST"
    body_template: str = DEFAULT_BODY_TEMPLATE
    body_template_file: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    session_id_path: str | None = None
    session_header: str | None = None
    concurrency: int = Field(default=defaults.CONCURRENCY, ge=1)
    timeout: float = Field(default=defaults.REQUEST_TIMEOUT_S, gt=0)
    max_retries: int = Field(default=defaults.MAX_HTTP_RETRIES, ge=0)
    backoff_base_s: float = defaults.BACKOFF_BASE_S
    backoff_max_s: float = defaults.BACKOFF_MAX_S

    @field_validator("body_template", mode="before")
    @classmethod
    def _json_as_text(cls, value: Any) -> Any:
        """``-A body_template={"q": "fixed"}`` arrives parsed as JSON; a template is its text."""
        return json.dumps(value) if isinstance(value, (dict, list)) else value


class HttpAssistant:
    """The assistant under test behind a JSON HTTP API of any shape (see the module docstring)."""

    options_model = HttpAssistantOptions  # Registry.create validates with it; the run's --concurrency reaches it
    independent_requests = True  # one call per request: the engine need not wait for a whole step

    def __init__(self, concurrency: int = defaults.CONCURRENCY, **options: Any):
        self.options = parse_options(HttpAssistantOptions, {"concurrency": concurrency, **options}, "http assistant")
        self.template = _compile(self._template_text())
        self.response_steps = _steps(self.options.response_path, "response_path")
        self.session_steps = _steps(self.options.session_id_path, "session_id_path") if self.options.session_id_path else None
        self.headers = expand_headers(self.options.headers)
        self.retry = RetryPolicy(self.options.max_retries, self.options.backoff_base_s, self.options.backoff_max_s)
        self.sessions: dict[str, str] = {}
        self._pool = LoopBoundPool(self.options.timeout, self.options.concurrency, make=PooledClient)
        render_body(self.template, _probe_context())

    def describe(self) -> ComponentSpec:
        options = self.options.model_dump(exclude_defaults=True)
        return ComponentSpec(name="http", options={"concurrency": self.options.concurrency, **options},
                             description=f"{self.options.method} {self.options.url}")

    async def respond(self, requests: Sequence[AssistantRequest]) -> list[AssistantReply]:
        return await gather_limited(requests, lambda r: timed_reply(self._respond_one(r)), self.options.concurrency)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def _respond_one(self, request: AssistantRequest) -> AssistantReply:
        session_id = self.sessions.get(request.conversation_id)
        body = render_body(self.template, request_context(request, session_id))
        headers = {**self.headers, **({self.options.session_header: session_id} if self.options.session_header and session_id else {})}
        try:
            response = await request_json(self._http(), self.options.method, self.options.url, json_body=body,
                                          headers=headers, policy=self.retry)
        except EndpointError as exc:
            return AssistantReply.failed(str(exc))
        return self._reply_from(request.conversation_id, response)

    def _reply_from(self, conversation_id: str, response: Any) -> AssistantReply:
        try:
            text = get_path(response, self.response_steps)
        except PathError as exc:
            return AssistantReply.failed(f"{exc}; fix -A response_path={self.options.response_path}")
        if not isinstance(text, (str, int, float)) or isinstance(text, bool):
            return AssistantReply.failed(f"response_path {self.options.response_path} is a {type(text).__name__}, not text")
        metadata: dict[str, Any] = {}
        if self.session_steps is not None:
            metadata["session_id"] = self._remember_session(conversation_id, response)
        return AssistantReply(str(text), metadata)

    def _remember_session(self, conversation_id: str, response: Any) -> str | None:
        try:
            session = get_path(response, self.session_steps or [])
        except PathError:
            return self.sessions.get(conversation_id)  # bots often send the id only on the first reply
        self.sessions[conversation_id] = str(session)
        return str(session)

    def _template_text(self) -> str:
        path = self.options.body_template_file
        if path is None:
            return self.options.body_template
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"assistant 'http': cannot read body_template_file {path} ({exc.strerror}); fix the path") from None

    def _http(self) -> AiohttpClient | PooledClient:
        return self._pool.get()


def request_context(request: AssistantRequest, session_id: str | None) -> dict[str, Any]:
    """The template's variables for one request."""
    messages = request.openai_messages()
    users = [m["content"] for m in messages if m["role"] == "user"]
    return {"messages": messages, "last_message": users[-1] if users else "", "conversation_id": request.conversation_id,
            "turn": len(users), "seed": request.seed, "session_id": session_id}


def render_body(template: Any, context: dict[str, Any]) -> Any:
    """Render the body template and parse it as JSON; a template that does not give JSON is a user error."""
    import jinja2

    try:
        text = template.render(**context)
    except (jinja2.TemplateError, TypeError) as exc:  # tojson of an undefined name raises TypeError
        names = ", ".join(sorted(context))
        raise UserError(f"assistant 'http': body_template failed to render ({exc}); its variables are: {names}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"assistant 'http': body_template does not render to JSON ({exc.msg} at character {exc.pos}); "
            "insert values with |tojson, e.g. {\"text\": {{ last_message|tojson }}}"
        ) from None


def expand_headers(headers: dict[str, str]) -> dict[str, str]:
    """Replace ``${VAR}`` in header values with the environment's value; a missing variable is a user error."""
    expanded = {}
    for name, value in headers.items():
        try:
            expanded[name] = string.Template(value).substitute(os.environ)
            if expanded[name] != value:
                remember(expanded[name].split()[-1] if expanded[name].split() else "")  # masked if ever echoed
        except KeyError as exc:
            variable = exc.args[0]
            raise UserError(f"assistant 'http': header {name} needs the environment variable {variable}; export {variable}=...") from None
        except ValueError:
            raise UserError(f"assistant 'http': header {name}: write environment variables as ${{VAR}} (and a literal $ as $$)") from None
    return expanded


def _compile(text: str) -> Any:
    import jinja2

    try:
        return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False).from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(f"assistant 'http': body_template line {exc.lineno}: {exc.message}") from None


def _steps(path: str, option: str) -> list[str | int]:
    try:
        return parse_path(path)
    except ValueError as exc:
        raise UserError(f"assistant 'http': {option}: {exc}") from None


def _probe_context() -> dict[str, Any]:
    messages = [{"role": "user", "content": _PROBE_TEXT}]
    return {"messages": messages, "last_message": _PROBE_TEXT, "conversation_id": "probe:0", "turn": 1, "seed": 0,
            "session_id": None}
