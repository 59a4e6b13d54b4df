"""The loop behind the batch writers (stats events, learning sightings): flush every so often, off the
request path, and never die of a database outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from copilot.store.db import Store
from copilot.store.health import is_unavailable

log = logging.getLogger(__name__)


async def flush_forever(flush: Callable[[], Awaitable[int]], store: Store, what: str, interval: float) -> None:
    """Call `flush` every `interval` seconds until cancelled. An outage is logged once (with the others'
    failures, what waits is written by a later flush); any other failure is logged as `what` and retried."""
    while True:
        await asyncio.sleep(interval)
        try:
            await flush()
        except Exception as exc:
            if is_unavailable(exc):
                store.outage.failure(exc, request=False)
            else:
                log.exception("%s failed; will retry", what)
