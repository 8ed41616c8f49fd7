"""A real, local, OpenAI-compatible HTTP server for tests and benchmarks, with injectable faults.

Tests fake the *transport*, not simuser's code: this server listens on 127.0.0.1 (a free port), speaks
``POST /v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings`` and ``GET /v1/models``, and
records every request it receives so a test can inspect exactly what simuser sent::

    with FakeOpenAIServer(reply=lambda body: "hi") as server:
        server.enqueue(Fault.status(429, retry_after=1), Fault.status(500))
        client = OpenAIChatClient(server.base_url, model="fake")
        ...
        assert server.requests[-1].json["messages"][0]["role"] == "system"

A reply function may return a whole assistant message instead of text, e.g. ``{"tool_calls": [{"id":
"call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]}``: the server answers
with it (``content`` null unless given, ``finish_reason`` ``tool_calls``), as OpenAI does for agents.

Faults come from two places, checked per request: a queue (``enqueue``: the next requests, in arrival
order) and a rule (``fault_rule(body) -> Fault | None``: decided by the request's content, which is what
a test with concurrent requests needs). A fault can answer with a status (plus ``Retry-After``), delay and
then answer normally (latency beyond a client timeout), send a malformed JSON body, or drop the
connection without answering.

It is a ``ThreadingHTTPServer`` with daemon threads and a deep accept queue, so a hundred concurrent
requests with 300 ms latency are served in parallel, not one after another.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ReplyFn = Callable[[dict[str, Any]], "str | dict[str, Any]"]  # text, or a chat message such as {"tool_calls": [...]}
FaultRule = Callable[[dict[str, Any]], "Fault | None"]


@dataclass(frozen=True)
class Fault:
    """One misbehaviour for one request. Build with the class methods."""

    kind: str  # "status" | "delay" | "malformed" | "drop"
    code: int = 200
    retry_after: str | None = None
    delay_s: float = 0.0
    message: str = "injected fault"

    @classmethod
    def status(cls, code: int, retry_after: float | str | None = None, message: str = "injected fault") -> Fault:
        """Answer with HTTP ``code`` (and a ``Retry-After`` header when given: seconds or an HTTP date)."""
        return cls("status", code=code, retry_after=None if retry_after is None else str(retry_after), message=message)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait, then answer normally (a client with a shorter timeout gives up first)."""
        return cls("delay", delay_s=seconds)

    @classmethod
    def malformed(cls) -> Fault:
        return cls("malformed")

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending a response."""
        return cls("drop")


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    received_at: float = field(default_factory=time.monotonic)


def echo_reply(body: dict[str, Any]) -> str:
    """Default reply: 'Echo: <last message>' for chat, 'Echo: <prompt tail>' for completions."""
    if "messages" in body:
        messages = body.get("messages") or [{"content": ""}]
        return f"Echo: {messages[-1].get('content', '')}"
    return f"Echo: {str(body.get('prompt', ''))[-80:]}"


def hashed_embedding(text: str, dim: int) -> list[float]:
    """A deterministic bag-of-words vector: shared words give a higher cosine similarity."""
    vector = [0.0] * dim
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dim] += 1.0 if digest[4] % 2 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class FakeOpenAIServer:
    """Start with ``with FakeOpenAIServer() as server:``; ``server.base_url`` ends in ``/v1``."""

    def __init__(
        self,
        reply: ReplyFn = echo_reply,
        *,
        latency_s: float = 0.0,
        model: str = "fake-model",
        embedding_dim: int = 32,
        api_key: str | None = None,
        fault_rule: FaultRule | None = None,
    ):
        self.reply = reply
        self.latency_s = latency_s
        self.model = model
        self.embedding_dim = embedding_dim
        self.api_key = api_key  # when set, requests without 'Authorization: Bearer <key>' get 401
        self.fault_rule = fault_rule
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0  # the most POSTs being handled at once: proves requests ran in parallel
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self), bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = 1024
        server.allow_reuse_address = True
        server.server_bind()
        server.server_activate()
        server.handle_error = lambda request, address: None  # type: ignore[method-assign,assignment]  # clients that hung up are part of the tests
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- faults and records -------------------------------------------------------------------------
    def enqueue(self, *faults: Fault) -> None:
        """The next ``len(faults)`` requests misbehave, in arrival order."""
        with self._lock:
            self._faults.extend(faults)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def requests_to(self, suffix: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith(suffix)]

    def _track(self, delta: int) -> None:
        with self._lock:
            self.in_flight += delta
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _record(self, request: RecordedRequest) -> Fault | None:
        with self._lock:
            self.requests.append(request)
            queued = self._faults.popleft() if self._faults else None
        if queued is not None:
            return queued
        if self.fault_rule is not None and isinstance(request.json, dict):
            return self.fault_rule(request.json)
        return None

    # -- responses ----------------------------------------------------------------------------------
    def respond(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        route = path.split("?", 1)[0].removeprefix("/v1")
        if route == "/chat/completions":
            return 200, self._chat(body)
        if route == "/completions":
            return 200, self._completion(body)
        if route == "/embeddings":
            return 200, self._embeddings(body)
        return 404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}}

    def _chat(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.reply(body)
        if isinstance(reply, dict):  # a whole assistant message: tool calls, or content with them
            message = {"role": "assistant", "content": None, **reply}
            finish = "tool_calls" if message.get("tool_calls") else "stop"
            choice = {"index": 0, "message": message, "finish_reason": finish}
            return self._envelope("chat.completion", body, choice, message.get("content") or "")
        text, finish = _apply_limits(reply, body)
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
        return self._envelope("chat.completion", body, choice, text)

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        text, finish = _apply_limits(str(self.reply(body)), body)
        return self._envelope("text_completion", body, {"index": 0, "text": text, "finish_reason": finish}, text)

    def _envelope(self, kind: str, body: dict[str, Any], choice: dict[str, Any], text: str) -> dict[str, Any]:
        completion_tokens = len(text.split())
        return {
            "id": f"fake-{self.request_count}", "object": kind, "created": int(time.time()),
            "model": body.get("model", self.model), "choices": [choice],
            "usage": {"prompt_tokens": 0, "completion_tokens": completion_tokens, "total_tokens": completion_tokens},
        }

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        data = [{"object": "embedding", "index": i, "embedding": hashed_embedding(str(t), self.embedding_dim)}
                for i, t in enumerate(inputs)]
        return {"object": "list", "data": data, "model": body.get("model", self.model), "usage": {}}


def _apply_limits(text: str, body: dict[str, Any]) -> tuple[str, str]:
    """Honour ``stop`` (cut at the first stop string) and ``max_tokens`` (counted as words)."""
    stops = body.get("stop") or []
    for stop in [stops] if isinstance(stops, str) else stops:
        if stop and stop in text:
            text = text.split(stop, 1)[0]
    words = text.split(" ")
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, int) and len(words) > max_tokens:
        return " ".join(words[:max_tokens]), "length"
    return text, "stop"


def _handler_for(fake: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so benchmarks measure latency, not TCP handshakes
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args: Any) -> None:  # quiet: tests read the records instead
            pass

        def do_GET(self) -> None:
            fault = fake._record(RecordedRequest("GET", self.path, dict(self.headers), None))
            if self._misbehaved(fault):
                return
            if self.path.split("?", 1)[0].removeprefix("/v1") == "/models":
                self._send(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            fake._track(+1)
            try:
                self._post()
            finally:
                fake._track(-1)

        def _post(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = None
            fault = fake._record(RecordedRequest("POST", self.path, dict(self.headers), body))
            if self._misbehaved(fault):
                return
            if not isinstance(body, dict):
                self._send(400, {"error": {"message": "request body is not a JSON object"}})
                return
            if not self._authorized():
                return
            time.sleep(fake.latency_s)
            self._send(*fake.respond(self.path, body))

        def _authorized(self) -> bool:
            if fake.api_key is None or self.headers.get("Authorization") == f"Bearer {fake.api_key}":
                return True
            self._send(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
            return False

        def _misbehaved(self, fault: Fault | None) -> bool:
            """Act out ``fault``; True when the request is fully handled by it."""
            if fault is None:
                return False
            if fault.kind == "delay":
                time.sleep(fault.delay_s)
                return False
            if fault.kind == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif fault.kind == "malformed":
                self._send_raw(200, b'{"choices": [{"message": ', "application/json")
            else:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                self._send(fault.code, {"error": {"message": fault.message, "type": "fake_fault"}}, headers)
            return True

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

        def _send_raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (its timeout): nothing to answer

    return Handler
