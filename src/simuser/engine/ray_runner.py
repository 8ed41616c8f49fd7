"""Spread a run over Ray workers: ``simuser simulate --ray auto|ADDRESS``.

The driver (the process that runs ``simuser simulate``) owns the one run store. It plans the
``(intent, sample)`` keys that are not finished yet, deals them round-robin into one shard per worker,
and starts one Ray actor per shard. Each actor builds its *own* simulator and assistant from the run's
:class:`~simuser.schema.ComponentSpec` (its own model replica, or its own endpoint client) and runs the
ordinary :class:`~simuser.engine.loop.ConversationLoop` over its shard, so batching, continuous refill
and failure handling are exactly those of a single-machine run.

Finished conversations stream back by *pull*: the driver keeps one ``drain`` call in flight per actor;
a call returns as soon as the actor holds finished conversations (at most ``chunk`` of them) and the
driver appends them to the store at once. Why this keeps the promises:

* no duplicates: every key is in exactly one shard, a conversation leaves an actor's buffer exactly
  once, and only the driver writes, under the store's lock;
* no loss: the driver tracks which keys of each shard came back; when an actor dies (its node went
  away, the process crashed) the keys still outstanding go to a fresh actor, up to ``max_restarts``
  times, and a run interrupted anyway is finished by ``--resume``, which plans only unfinished keys;
* resumable: the store is the same as a single-machine run's, so a Ray run can be resumed with or
  without Ray, and the other way round.

A reply hook (``simuser simulate --tasks``: the task checks) travels as a *factory*, a picklable callable
such as a class: every worker builds its own hook beside its own simulator and assistant, so each reply is
checked on the worker that got it, as on a single machine.

Sharding is static. Conversations of one shard advance together (``batch_size`` at a time), so a
worker's batches stay full until its shard runs dry; shards differ by one key at most.

Ray is imported only here, and only when ``--ray`` is given (``pip install 'simuser[ray]'``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from simuser.engine.components import close_all
from simuser.engine.config import RunConfig
from simuser.engine.hooks import ReplyHook
from simuser.engine.loop import RunResult, RunSession
from simuser.engine.progress import ProgressReporter, make_reporter
from simuser.errors import UserError, require
from simuser.schema import Conversation

log = logging.getLogger(__name__)

Key = tuple[str, int]


@dataclass(frozen=True)
class RayOptions:
    """Where the cluster is and how to place workers on it.

    ``address``: ``auto`` joins the cluster this machine belongs to (``ray start``) or, when there is
    none, starts a local one; anything else is passed to ``ray.init(address=...)`` (``host:port`` or
    ``ray://host:10001``). ``workers``: actors to start (default: one per GPU on a GPU cluster, else one
    per ``cpus_per_worker`` CPUs). ``gpus_per_worker`` defaults to 1 on a GPU cluster, else 0.
    """

    address: str = "auto"
    workers: int | None = None
    cpus_per_worker: float = 1.0
    gpus_per_worker: float | None = None
    chunk: int = 16
    max_restarts: int = 2


def simulate_ray(
    config: RunConfig,
    options: RayOptions | str = "auto",
    *,
    progress: bool | ProgressReporter = True,
    resume: bool = False,
    reply_hook_factory: Callable[[], ReplyHook] | None = None,
) -> RunResult:
    """Run ``config`` on Ray workers; the driver writes every conversation to ``config.out``.

    ``reply_hook_factory`` builds the reply hook on each worker (see the module docstring).
    """
    options = RayOptions(address=options) if isinstance(options, str) else options
    require("ray", "ray")  # before the run directory is touched
    session = RunSession.open(config, resume)
    reporter = make_reporter(progress)
    started, interrupted = time.perf_counter(), True
    try:
        with ray_connection(options.address) as ray:
            keys = pending_keys(config, session.done)
            reporter.start(len(keys) + len(session.done), len(session.done))
            Dispatcher(ray, config, options, session.recorder(reporter), reply_hook_factory).run(keys)
        interrupted = False
    finally:
        reporter.stop()
        summary = session.close(time.perf_counter() - started, interrupted)
    return RunResult(session.run_dir, session.conversations, summary)


def pending_keys(config: RunConfig, done: set[Key]) -> list[Key]:
    """Every ``(intent id, sample index)`` not finished yet, in the order :func:`plan` uses."""
    return [(intent.id, k) for intent in config.intents for k in range(config.n) if (intent.id, k) not in done]


def shard(keys: list[Key], workers: int) -> list[list[Key]]:
    """Round-robin shards (sizes differ by one at most); empty shards are dropped."""
    return [part for part in (keys[i::workers] for i in range(workers)) if part]


@contextmanager
def ray_connection(address: str) -> Iterator[Any]:
    """The ``ray`` module, connected. A connection made here is closed here; one made by the caller
    (``ray.init`` before calling simuser) is left alone."""
    ray = require("ray", "ray")
    if ray.is_initialized():
        yield ray
        return
    _connect(ray, address)
    try:
        yield ray
    finally:
        ray.shutdown()


def _connect(ray: Any, address: str) -> None:
    # Worker output (model loading bars, warnings) would break the progress bar; failures come back as
    # data, and the workers' logs stay in Ray's session directory (/tmp/ray/session_latest/logs).
    kwargs = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    if address != "auto":
        try:
            ray.init(address=address, **kwargs)
        except (ConnectionError, ValueError) as exc:
            raise UserError(f"cannot join the Ray cluster at '{address}': {exc}; check --ray") from None
        return
    try:
        ray.init(address="auto", **kwargs)
    except ConnectionError:
        ray.init(**kwargs)  # no cluster on this machine: start a local one with its cores


@dataclass
class _Shard:
    index: int
    keys: list[Key]
    received: set[Key] = field(default_factory=set)
    restarts: int = 0

    def __post_init__(self) -> None:
        self.key_set = set(self.keys)

    @property
    def outstanding(self) -> list[Key]:
        return [k for k in self.keys if k not in self.received]


class Dispatcher:
    """Starts one actor per shard and records what they send back, replacing actors that die."""

    def __init__(self, ray: Any, config: RunConfig, options: RayOptions, record: Callable[[Conversation], None],
                 reply_hook_factory: Callable[[], ReplyHook] | None = None):
        self.ray = ray
        self.reply_hook_factory = reply_hook_factory
        self.config = config
        self.options = options
        self.record = record
        self.worker_config = config.model_copy(update={"out": None}).model_dump(mode="json")
        self.actor_class = ray.remote(ShardWorker).options(**self._resources())
        self.inflight: dict[Any, tuple[_Shard, Any]] = {}
        self.actors: list[Any] = []

    def run(self, keys: list[Key]) -> None:
        shards = [_Shard(i, part) for i, part in enumerate(shard(keys, self.worker_count(len(keys))))]
        try:
            for s in shards:
                self._launch(s)
            while self.inflight:
                self._collect_one()
        finally:
            for actor in self.actors:  # their models and clients go with them
                self.ray.kill(actor, no_restart=True)

    def worker_count(self, n_keys: int) -> int:
        if self.options.workers is not None:
            return max(1, min(self.options.workers, n_keys or 1))
        resources = self.ray.cluster_resources()
        gpus = self._gpus_per_worker()
        if gpus > 0:
            available = int(resources.get("GPU", 0) // gpus)
        else:
            available = int(resources.get("CPU", 1) // max(self.options.cpus_per_worker, 1e-9))
        return max(1, min(available, n_keys or 1))

    def _gpus_per_worker(self) -> float:
        if self.options.gpus_per_worker is not None:
            return self.options.gpus_per_worker
        return 1.0 if self.ray.cluster_resources().get("GPU", 0) >= 1 else 0.0

    def _resources(self) -> dict[str, float]:
        return {"num_cpus": self.options.cpus_per_worker, "num_gpus": self._gpus_per_worker(), "max_concurrency": 4}

    def _launch(self, s: _Shard) -> None:
        actor = self.actor_class.remote(self.worker_config, s.index, self.reply_hook_factory)
        self.actors.append(actor)
        actor.start.remote(s.outstanding)
        self.inflight[actor.drain.remote(self.options.chunk)] = (s, actor)

    def _collect_one(self) -> None:
        ready, _ = self.ray.wait(list(self.inflight), num_returns=1)
        s, actor = self.inflight.pop(ready[0])
        try:
            batch = self.ray.get(ready[0])
        except self.ray.exceptions.RayActorError as exc:
            self._replace(s, actor, exc)
            return
        for record in batch["conversations"]:
            self._accept(s, Conversation.model_validate(record))
        if batch["error"] is not None:
            raise (UserError if batch["user_error"] else RuntimeError)(f"ray worker {s.index}: {batch['error']}")
        if not batch["finished"]:
            self.inflight[actor.drain.remote(self.options.chunk)] = (s, actor)

    def _accept(self, s: _Shard, conversation: Conversation) -> None:
        if conversation.key in s.received or conversation.key not in s.key_set:
            log.warning("ray worker %d sent %s twice or out of shard; ignored", s.index, conversation.key)
            return
        s.received.add(conversation.key)
        self.record(conversation)

    def _replace(self, s: _Shard, actor: Any, exc: Exception) -> None:
        if s.restarts >= self.options.max_restarts:
            raise RuntimeError(f"ray worker {s.index} died {s.restarts + 1} times ({type(exc).__name__}; its log is "
                               "in /tmp/ray/session_latest/logs); resume the run with --resume once the cluster is "
                               "healthy") from exc
        s.restarts += 1
        log.warning("ray worker %d died (%s); %d conversations go to a new worker",
                    s.index, type(exc).__name__, len(s.outstanding))
        self.ray.kill(actor, no_restart=True)
        self._launch(s)


class ShardWorker:
    """A Ray actor: one simulator and one assistant, one conversation loop over its shard.

    Plain class (``ray.remote`` wraps it in the driver) so it can be unit-tested without Ray.
    """

    def __init__(self, config: dict[str, Any], index: int = 0,
                 reply_hook_factory: Callable[[], ReplyHook] | None = None):
        self.config = RunConfig.model_validate(config)
        self.index = index
        self.reply_hook_factory = reply_hook_factory
        self.buffer: list[dict[str, Any]] = []
        self.finished = False
        self.error: BaseException | None = None
        self._changed: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    async def start(self, keys: list[Key]) -> None:
        self._changed = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run([(str(intent_id), int(k)) for intent_id, k in keys]))

    async def drain(self, limit: int) -> dict[str, Any]:
        """Wait for finished conversations (or the end), then hand over at most ``limit`` of them."""
        while not self.buffer and not self.finished:
            if self._changed is None:
                await asyncio.sleep(0.01)  # start() has not run yet
                continue
            self._changed.clear()
            await self._changed.wait()
        taken, self.buffer = self.buffer[:limit], self.buffer[limit:]
        done = self.finished and not self.buffer
        error = None if self.error is None or not done else f"{type(self.error).__name__}: {self.error}"
        return {"conversations": taken, "finished": done, "error": error,
                "user_error": isinstance(self.error, UserError)}

    async def _run(self, keys: list[Key]) -> None:
        try:
            await run_shard(self.config, keys, self._finish, self.index, self.reply_hook_factory)
        except BaseException as exc:  # reported to the driver as data; the driver raises it
            self.error = exc
        finally:
            self.finished = True
            self._notify()

    def _finish(self, conversation: Conversation) -> None:
        self.buffer.append(conversation.model_dump(mode="json"))
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()


async def run_shard(config: RunConfig, keys: list[Key], on_finish: Callable[[Conversation], None], index: int = 0,
                    reply_hook_factory: Callable[[], ReplyHook] | None = None) -> None:
    """The single-machine loop over ``keys``, with components (and the reply hook) built here: one per worker."""
    from simuser.engine.components import build_assistant, build_simulator
    from simuser.engine.loop import ConversationLoop, plan, with_concurrency

    simulator = build_simulator(config.simulator)
    assistant = build_assistant(with_concurrency(config))
    hook = reply_hook_factory() if reply_hook_factory is not None else None
    wanted = set(keys)

    def tag_and_finish(conversation: Conversation) -> None:
        conversation.metadata["ray_worker"] = index
        on_finish(conversation)

    try:
        todo = [c for c in plan(config, set(), simulator, assistant) if c.key in wanted]
        loop = ConversationLoop(config, simulator, assistant, on_finish=tag_and_finish)
        loop.reply_hook = hook
        await loop.run(todo)
    finally:
        await close_all([simulator, assistant, hook])
