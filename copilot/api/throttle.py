"""A token bucket: how many frames one WebSocket may send, sustained and in a burst."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """`rate` tokens a second refill a bucket of `burst`; each frame takes one, and an empty bucket refuses.

    A fast typist with an IME sends a draft per keystroke, some ten a second, and a pasted reply or a
    reconnect replays a few dozen frames at once: both stay far inside the defaults (20/s, 200 at once).
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def take(self) -> bool:
        """Spend one token if there is one."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
