"""JSON over HTTP with the retry policy every simuser endpoint client shares.

Remote models fail in ordinary ways: rate limits (429), overloaded servers (5xx), dropped connections,
slow answers, a proxy that returns HTML instead of JSON. All of these are retried with exponential
backoff and full jitter (``uniform(0, min(max, base * 2**attempt))``, so a hundred conversations that hit
the same 429 do not come back in lockstep), and a server's ``Retry-After`` wins over the backoff when it
sends one (capped, so a broken header cannot park a run for a day). Client errors such as 400, 401, 403
and 404 will not get better by waiting: they fail at once.

Every failure ends as one :class:`EndpointError` with a one-line message. It is deliberately *not* a
:class:`~simuser.errors.UserError`: inside a run, one conversation's failed call becomes data on that
conversation (``assistant_error``) while the others go on. Only the start-up check
(:func:`check_reachable`) turns an unreachable server into a user error, before any work starts.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from simuser import defaults
from simuser.errors import UserError
from simuser.redact import redact_text

log = logging.getLogger(__name__)

#: Statuses worth waiting for: request timeout, rate limit, and every server-side error.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class EndpointError(Exception):
    """A call to a model endpoint failed for good (after retries, or at once for client errors)."""


MAX_RETRIES_LIMIT = 20  # retries per request at most (documented in docs/robustness.md)
MAX_BACKOFF_LIMIT_S = 600.0  # seconds of backoff per wait at most


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and how long to wait in between.

    ``sleep`` is injectable so tests can record the waits instead of measuring them.
    """

    max_retries: int = defaults.MAX_HTTP_RETRIES
    backoff_base_s: float = defaults.BACKOFF_BASE_S
    backoff_max_s: float = defaults.BACKOFF_MAX_S
    retry_after_max_s: float = defaults.BACKOFF_MAX_S
    sleep: Callable[[float], Awaitable[Any]] = field(default=asyncio.sleep, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Bounds that keep a typo (max_retries=1000, a negative backoff) from hanging a run for hours."""
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or not 0 <= self.max_retries <= MAX_RETRIES_LIMIT:
            raise UserError(f"max_retries={self.max_retries!r} is out of range; use an integer from 0 to {MAX_RETRIES_LIMIT}")
        for name in ("backoff_base_s", "backoff_max_s", "retry_after_max_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= MAX_BACKOFF_LIMIT_S:
                raise UserError(f"{name}={value!r} is out of range; use seconds from 0 to {MAX_BACKOFF_LIMIT_S}")

    def backoff_s(self, attempt: int) -> float:
        """Full jitter: a uniform draw below the exponential ceiling for this attempt (0-based)."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return random.uniform(0.0, ceiling)

    def wait_s(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_max_s)
        return self.backoff_s(attempt)


class _Retryable(Exception):
    """Internal: this attempt failed in a way that may succeed later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


async def request_json(
    client: httpx.AsyncClient | PooledClient | AiohttpClient,
    method: str,
    url: str,
    *,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
) -> Any:
    """Send a request and return its parsed JSON body, retrying transient failures.

    Raises :class:`EndpointError` with a one-line message when it gives up.
    """
    policy = policy or RetryPolicy()
    attempts = policy.max_retries + 1
    for attempt in range(attempts):
        try:
            return await _attempt(client, method, url, json_body, headers)
        except _Retryable as exc:
            if attempt + 1 >= attempts:
                raise EndpointError(f"{method} {url} failed after {attempts} attempts: {exc}") from None
            wait = policy.wait_s(attempt, exc.retry_after)
            log.info("%s %s: %s; retry %d/%d in %.2fs", method, redact_text(str(url)), redact_text(str(exc)),
                     attempt + 1, policy.max_retries, wait)
            await policy.sleep(wait)
    raise AssertionError("unreachable")  # the loop always returns or raises


async def post_json(
    client: httpx.AsyncClient | PooledClient | AiohttpClient,
    url: str,
    payload: Any,
    *,
    headers: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
) -> Any:
    """POST ``payload`` as JSON; see :func:`request_json`."""
    return await request_json(client, "POST", url, json_body=payload, headers=headers, policy=policy)


async def _attempt(client: httpx.AsyncClient | PooledClient | AiohttpClient, method: str, url: str, json_body: Any, headers) -> Any:
    try:
        response = await client.request(method, url, json=json_body, headers=headers)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise EndpointError(f"{method} {url}: bad URL ({_one_line(exc)}); it should look like http://host:port/v1") from None
    except httpx.TimeoutException as exc:
        raise _Retryable(f"timed out ({type(exc).__name__})") from None
    except httpx.TransportError as exc:
        raise _Retryable(f"connection error: {_one_line(exc) or type(exc).__name__}") from None
    _raise_for_status(method, url, response)
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _Retryable(f"malformed JSON in the response body: {_snippet(response.text)!r}") from None


def _raise_for_status(method: str, url: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    detail = f"HTTP {status}: {_error_detail(response)}"
    if status in RETRYABLE_STATUSES or status >= 500:
        raise _Retryable(detail, parse_retry_after(response.headers.get("retry-after")))
    raise EndpointError(f"{method} {url} -> {detail}{_hint(status)}")


def _hint(status: int) -> str:
    return {
        401: " (check the API key)",
        403: " (the API key lacks access to this model or endpoint)",
        404: " (check the base URL, which usually ends in /v1, and the model name)",
    }.get(status, "")


def _error_detail(response: httpx.Response) -> str:
    """The server's own error message when it sends the OpenAI error shape, else a body snippet."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _snippet(response.text) or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body.get("message")))
        if isinstance(error, dict):
            error = error.get("message", error)
        if error:
            return _snippet(str(error))
    return _snippet(response.text)


def _snippet(text: str, limit: int = 200) -> str:
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


#: Connections per httpx pool. httpcore schedules requests in O(requests x connections) per step (its
#: ``_assign_requests_to_connections`` dominated a profile): 100 concurrent calls to the fake server at
#: 300 ms latency took 5-6 s per warm round through one pool of 100 keep-alive connections and 0.6-0.9 s
#: through ten pools of 10 (2-core box under load). :class:`PooledClient` shards across small pools.
POOL_SHARD_SIZE = 10


def make_client(timeout_s: float = defaults.REQUEST_TIMEOUT_S, max_connections: int | None = None,
                verify: Any = True) -> httpx.AsyncClient:
    """One ``AsyncClient`` with ``max_connections`` connections, all kept alive between calls."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout_s), limits=limits, verify=verify)


class PooledClient:
    """Several small httpx pools behind one ``request`` method; each call goes to the least busy pool.

    Duck-types the part of ``httpx.AsyncClient`` that :func:`request_json` uses.
    """

    def __init__(self, timeout_s: float = defaults.REQUEST_TIMEOUT_S, max_connections: int | None = None):
        import ssl

        import certifi

        total = max_connections or POOL_SHARD_SIZE
        shards = max(1, -(-total // POOL_SHARD_SIZE))
        context = ssl.create_default_context(cafile=certifi.where())  # one TLS setup, shared by the pools
        size = -(-total // shards)
        self.clients = [make_client(timeout_s, size, verify=context) for _ in range(shards)]
        self.busy = [0] * shards

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        index = min(range(len(self.clients)), key=self.busy.__getitem__)
        self.busy[index] += 1
        try:
            return await self.clients[index].request(method, url, **kwargs)
        finally:
            self.busy[index] -= 1

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


class AiohttpClient:
    """The same ``request`` as :class:`PooledClient`, over one aiohttp connection pool.

    httpcore's pool rescans and probes every pooled connection each time a request is queued or released
    (encode/httpcore#1035), which made the HTTP client the floor of latency-bound runs
    (docs/performance.md, benchmark 3). aiohttp's connector keeps a free list instead. Responses come
    back as ``httpx.Response`` objects and failures as httpx's exception types, so :func:`request_json`'s
    retries, timeouts and ``Retry-After`` handling are the same code for both transports.
    """

    def __init__(self, timeout_s: float = defaults.REQUEST_TIMEOUT_S, max_connections: int | None = None):
        self.timeout_s = timeout_s
        self.max_connections = max_connections or POOL_SHARD_SIZE
        self._session: Any = None

    def _ready(self) -> Any:
        import aiohttp

        if self._session is None:  # created inside the running event loop, as aiohttp requires
            timeout = aiohttp.ClientTimeout(sock_connect=self.timeout_s, sock_read=self.timeout_s)
            connector = aiohttp.TCPConnector(limit=self.max_connections)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self._session

    async def request(self, method: str, url: str, *, json: Any = None, headers: Mapping[str, str] | None = None) -> httpx.Response:
        import aiohttp

        try:
            async with self._ready().request(method, url, json=json, headers=headers) as response:
                body = await response.read()
                return httpx.Response(response.status, headers=list(response.headers.items()), content=body,
                                      request=httpx.Request(method, url))
        except aiohttp.InvalidURL as exc:
            raise httpx.UnsupportedProtocol(_one_line(exc) or "unsupported URL") from None
        except TimeoutError as exc:  # aiohttp's timeouts subclass these
            raise httpx.ReadTimeout(_one_line(exc) or "timed out") from None
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(_one_line(exc) or type(exc).__name__) from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def pooled_client(timeout_s: float = defaults.REQUEST_TIMEOUT_S, max_connections: int | None = None,
                  transport: str = "auto") -> AiohttpClient | PooledClient:
    """The endpoint clients' connection pool: aiohttp when installed (``auto``), else sharded httpx pools.

    ``SIMUSER_HTTP_TRANSPORT=httpx`` (or ``transport="httpx"``) forces httpx.
    """
    import importlib.util
    import os

    transport = os.environ.get("SIMUSER_HTTP_TRANSPORT", transport)
    if transport == "aiohttp" or (transport == "auto" and importlib.util.find_spec("aiohttp") is not None):
        return AiohttpClient(timeout_s, max_connections)
    return PooledClient(timeout_s, max_connections)


async def check_reachable(url: str, *, timeout_s: float = 5.0, flag: str = "--base-url") -> None:
    """Fail fast with a :class:`UserError` when nothing answers at ``url`` (any HTTP status counts).

    Called before a run, so that a typo in the base URL costs one line instead of a run full of
    ``assistant_error`` conversations.
    """
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(timeout_s)) as client:
            await client.get(url.rstrip("/") + "/models")
    except httpx.ConnectError as exc:
        raise UserError(f"cannot reach {url}: {_connect_reason(exc)}; start the server or fix {flag}") from None
    except httpx.TimeoutException:
        raise UserError(f"cannot reach {url}: no answer within {timeout_s:g}s; start the server or fix {flag}") from None
    except httpx.TransportError as exc:
        raise UserError(f"cannot reach {url}: {_one_line(exc) or type(exc).__name__}; fix {flag}") from None


def _connect_reason(exc: BaseException) -> str:
    """'connection refused' when that is the root cause (httpx only says 'All connection attempts failed')."""
    seen: BaseException | None = exc
    for _ in range(10):  # chains are short; the bound guards against a cycle
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    return _one_line(exc) or "connection failed"


class LoopBoundPool:
    """The connection pool for the running event loop, for clients that may be built in synchronous code.

    A pool cannot move between event loops, so it is made on first use inside the running loop, and made
    again when a later ``asyncio.run`` brings a new loop. ``make`` builds a pool (default: :func:`pooled_client`).
    """

    def __init__(self, timeout_s: float, max_connections: int | None,
                 make: Callable[[float, int | None], AiohttpClient | PooledClient] | None = None):
        self.timeout_s = timeout_s
        self.max_connections = max_connections
        self.make = make or pooled_client
        self._client: AiohttpClient | PooledClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> AiohttpClient | PooledClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = self.make(self.timeout_s, self.max_connections)
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.aclose()
            except RuntimeError:
                pass  # its event loop is gone, and its sockets with it
