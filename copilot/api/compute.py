"""Lint and suggest off the event loop, on a small thread pool of their own.

A long draft costs milliseconds of CPU; on the event loop that froze every socket of the worker. Sync
routes and dependencies run in anyio's shared thread pool, which database calls also use: a hung
database holding those threads would hold lint up too. This pool serves only CPU work, and is bounded
(COPILOT_COMPUTE_THREADS) so a burst of drafts queues here instead of spawning threads.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from copilot.config import Settings

T = TypeVar("T")

_pools: dict[int, ThreadPoolExecutor] = {}  # one per size, shared by every app in the process
_lock = threading.Lock()


def pool(threads: int) -> ThreadPoolExecutor:
    """The process's compute pool of that many threads (made on first use)."""
    with _lock:
        found = _pools.get(threads)
        if found is None:
            found = _pools[threads] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="compute")
        return found


async def run(settings: Settings, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """func(*args, **kwargs) on the compute threads; the event loop serves everyone else meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool(settings.compute_threads), functools.partial(func, *args, **kwargs))
