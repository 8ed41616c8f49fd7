"""Bounded concurrency for calls that each take one item (one HTTP request, one Python call), and the
synchronous edge that runs a coroutine from plain code even inside a running event loop (notebooks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def gather_limited(items: Sequence[T], call: Callable[[T], Awaitable[R]], concurrency: int) -> list[R]:
    """Run ``call`` on every item, at most ``concurrency`` at a time, keeping order."""
    semaphore = asyncio.Semaphore(max(1, concurrency))

    async def bounded(item: T) -> R:
        async with semaphore:
            return await call(item)

    return list(await asyncio.gather(*(bounded(item) for item in items)))


def run_sync(awaitable: Awaitable[T]) -> T:
    """Run a coroutine from synchronous code, even when an event loop is already running.

    Jupyter, IPython and async web apps run an event loop in the calling thread, where ``asyncio.run``
    refuses to start; there the coroutine runs to completion on a fresh loop in one worker thread, and
    this call blocks until it is done. Objects bound to a loop (HTTP pools) must be created inside the
    coroutine, which every simuser client does on first use.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="simuser-sync") as pool:
        return pool.submit(asyncio.run, _await(awaitable)).result()


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable
