"""The HTTP side of ``simuser serve``: a Starlette app and a uvicorn server around the batcher.

Routes: ``POST /v1/chat/completions`` (the next user turn, :mod:`simuser.serve.protocol`),
``GET /v1/models`` (one model, the simulator, so OpenAI clients and ``check_reachable`` are satisfied) and
``GET /health`` (status, queue depth and the batching statistics). Starlette and uvicorn are the
``serve`` extra, imported only here.

The simulator is built (and a local model loaded) at start-up, inside the server's event loop, and closed
at shutdown; a simulator passed in as an object is the caller's to close.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from simuser import defaults
from simuser.errors import UserError
from simuser.schema import ComponentSpec
from simuser.serve.batcher import Batcher, QueueFull
from simuser.serve.protocol import BadRequest, completion, error_body, parse_request
from simuser.users import UserSimulator

#: Default batching window: long enough for requests sent together to meet, short next to a model call.
BATCH_WINDOW_MS = 20.0
MAX_QUEUE = 256


class ServeOptions(BaseModel):
    """``simuser serve`` flags, one to one."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    batch_window_ms: float = Field(default=BATCH_WINDOW_MS, ge=0)
    max_batch: int = Field(default=defaults.BATCH_SIZE, ge=1)
    max_queue: int = Field(default=MAX_QUEUE, ge=1)
    seed: int = defaults.SEED


def _starlette():
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UserError("simuser serve needs starlette and uvicorn; install them with pip install 'simuser[serve]'") from None


def create_app(simulator: UserSimulator | ComponentSpec, options: ServeOptions | None = None):
    """The Starlette app serving ``simulator`` (a spec is built at start-up and closed at shutdown)."""
    _starlette()
    from starlette.applications import Starlette
    from starlette.routing import Route

    options = options or ServeOptions()
    state = _ServerState(simulator, options)
    routes = [Route("/v1/chat/completions", state.chat, methods=["POST"]),
              Route("/v1/models", state.models, methods=["GET"]), Route("/health", state.health, methods=["GET"])]
    app = Starlette(routes=routes, lifespan=state.lifespan)
    app.state.simuser = state
    return app


class _ServerState:
    def __init__(self, simulator: UserSimulator | ComponentSpec, options: ServeOptions):
        self.source = simulator
        self.options = options
        self.simulator: UserSimulator | None = None
        self.batcher: Batcher | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any):
        owned = isinstance(self.source, ComponentSpec)
        simulator = await _build(self.source) if isinstance(self.source, ComponentSpec) else self.source
        self.simulator = simulator
        self.batcher = Batcher(simulator, self.options.batch_window_ms / 1000, self.options.max_batch, self.options.max_queue)
        self.batcher.start()
        try:
            yield
        finally:
            await self.batcher.stop()
            if owned and self.simulator is not None:
                await self.simulator.aclose()

    @property
    def name(self) -> str:
        return self.simulator.describe().name if self.simulator is not None else ""

    async def chat(self, request: Any):
        from starlette.responses import JSONResponse

        try:
            turn_request = parse_request(await _json(request), self.options.seed)
        except BadRequest as exc:
            return JSONResponse(error_body(str(exc), "invalid_request_error"), status_code=400)
        assert self.batcher is not None
        try:
            turn, batch_size = await self.batcher.next_turn(turn_request.state)
        except QueueFull:
            message = f"{self.options.max_queue} requests are already waiting; retry shortly"
            return JSONResponse(error_body(message, "rate_limit_error"), status_code=429, headers={"Retry-After": "1"})
        except Exception as exc:
            return JSONResponse(error_body(f"the simulator failed: {type(exc).__name__}: {exc}", "server_error"), status_code=500)
        return JSONResponse(completion(turn, turn_request, batch_size, self.name))

    async def models(self, request: Any):
        from starlette.responses import JSONResponse

        return JSONResponse({"object": "list", "data": [{"id": self.name, "object": "model", "owned_by": "simuser"}]})

    async def health(self, request: Any):
        from starlette.responses import JSONResponse

        batcher = self.batcher
        body = {"status": "ok" if batcher is not None else "starting",
                "simulator": self.simulator.describe().model_dump(mode="json") if self.simulator else None,
                "queue": batcher.queue.qsize() if batcher else 0, "max_queue": self.options.max_queue,
                "batch_window_ms": self.options.batch_window_ms, "max_batch": self.options.max_batch,
                **(batcher.stats.as_dict() if batcher else {})}
        return JSONResponse(body)


async def _json(request: Any) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None


async def _build(spec: ComponentSpec) -> UserSimulator:
    """Build the simulator and load its model now, so the first request does not pay for it."""
    import asyncio

    from simuser.engine.components import build_simulator
    from simuser.users import simulators

    simulators.check(spec.name)
    simulator = build_simulator(spec)
    load = getattr(simulator, "load", None)
    if callable(load):
        await asyncio.to_thread(load)
    return simulator


def serve(simulator: UserSimulator | ComponentSpec, options: ServeOptions | None = None) -> None:
    """Serve until interrupted (the ``simuser serve`` command)."""
    _starlette()
    import uvicorn

    options = options or ServeOptions()
    config = uvicorn.Config(create_app(simulator, options), host=options.host, port=options.port, log_level="warning")
    uvicorn.Server(config).run()


class ServerThread:
    """The server on a free local port in a background thread: for tests, notebooks and RL rollouts.

    ``with ServerThread(ComponentSpec(name="scripted", options=...)) as server: server.base_url``
    """

    def __init__(self, simulator: UserSimulator | ComponentSpec, options: ServeOptions | None = None):
        _starlette()
        import uvicorn

        self.options = (options or ServeOptions()).model_copy(update={"port": 0})
        self.app = create_app(simulator, self.options)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind((self.options.host, 0))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ServerThread:
        import time

        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("simuser serve did not start (see the log above)")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()

    @property
    def stats(self) -> dict[str, Any]:
        batcher = self.app.state.simuser.batcher
        return batcher.stats.as_dict() if batcher else {}
