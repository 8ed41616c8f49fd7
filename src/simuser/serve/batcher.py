"""Continuous batching of simulator calls across concurrent HTTP requests.

Every request becomes a job on one bounded queue; one worker takes jobs off it and calls the simulator's
batched ``next_turns`` once per batch. A batch opens when a job arrives and closes after ``window_s`` or
at ``max_batch`` jobs. While the simulator works on a batch, new requests wait on the queue and form the
next batch the moment it returns, so under load batches fill without waiting for the window (the same
continuous batching the engine does at conversation level). One simulator call runs at a time: a local
model has one forward pass to give.

A full queue refuses new work at once (:class:`QueueFull`, HTTP 429) instead of letting latency grow
without bound. A client that disconnects cancels its job; cancelled jobs are dropped before the call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field

from simuser.users import UserSimulator, UserTurn
from simuser.users.base import ConversationState


class QueueFull(Exception):
    """The server already holds ``max_queue`` waiting requests."""


@dataclass
class _Job:
    state: ConversationState
    future: asyncio.Future


@dataclass
class BatchStats:
    """What batching did: batch sizes seen (size -> count), requests answered, simulator errors."""

    sizes: Counter = field(default_factory=Counter)
    requests: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"batches": sum(self.sizes.values()), "requests": self.requests, "errors": self.errors,
                "batch_sizes": {str(k): v for k, v in sorted(self.sizes.items())},
                "max_batch_size_seen": max(self.sizes, default=0)}


class Batcher:
    """Collects turn requests into batched simulator calls; create and start it inside the serving loop."""

    def __init__(self, simulator: UserSimulator, window_s: float, max_batch: int, max_queue: int):
        self.simulator = simulator
        self.window_s = window_s
        self.max_batch = max_batch
        self.queue: asyncio.Queue[_Job] = asyncio.Queue(max_queue)
        self.stats = BatchStats()
        self._worker: asyncio.Task | None = None

    def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._run(), name="simuser-batcher")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        while not self.queue.empty():
            job = self.queue.get_nowait()
            if not job.future.done():
                job.future.set_exception(RuntimeError("the server is shutting down"))

    async def next_turn(self, state: ConversationState) -> tuple[UserTurn, int]:
        """The user's next turn for ``state`` and the size of the batch it was generated in."""
        job = _Job(state, asyncio.get_running_loop().create_future())
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            raise QueueFull from None
        return await job.future

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            if batch:
                await self._answer(batch)

    async def _collect(self) -> list[_Job]:
        batch = [await self.queue.get()]
        deadline = asyncio.get_running_loop().time() + self.window_s
        while len(batch) < self.max_batch:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                job = self.queue.get_nowait() if remaining <= 0 else await asyncio.wait_for(self.queue.get(), remaining)
            except (asyncio.QueueEmpty, TimeoutError):
                break
            batch.append(job)
        return [job for job in batch if not job.future.done()]  # clients that gave up

    async def _answer(self, batch: list[_Job]) -> None:
        try:
            turns = await self.simulator.next_turns([job.state for job in batch])
            if len(turns) != len(batch):
                raise RuntimeError(f"simulator returned {len(turns)} turns for {len(batch)} requests")
        except Exception as exc:  # a simulator bug fails this batch's requests, not the server
            self.stats.errors += len(batch)
            for job in batch:
                _settle(job.future, exception=exc)
            return
        self.stats.sizes[len(batch)] += 1
        self.stats.requests += len(batch)
        for job, turn in zip(batch, turns, strict=True):
            _settle(job.future, result=(turn, len(batch)))


def _settle(future: asyncio.Future, result: object = None, exception: BaseException | None = None) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)
