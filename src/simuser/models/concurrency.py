"""Bounded concurrency for calls that each take one item (one HTTP request, one Python call)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
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
