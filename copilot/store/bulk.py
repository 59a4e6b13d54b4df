"""Bulk work in a worker thread without stalling the event loop on the garbage collector."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def without_full_collections() -> Iterator[None]:
    """Defer the collector's full passes while a bulk job (an import) runs.

    A 20,000-row import keeps hundreds of thousands of objects alive; each full collection it triggers
    walks all of them while holding the GIL, and the event loop waited up to 340 ms per pass (11 passes
    per import). The young generations still run (under 20 ms each); what the job leaves behind is
    collected in the normal way once the last such job ends.
    """
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], 1_000_000_000)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.set_threshold(*_saved)
