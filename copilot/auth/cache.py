"""Sessions and API tokens this worker verified recently, so logins keep working while the database is down.

While the database answers, every request is still checked against it (a logout or revocation anywhere,
the CLI included, counts at once) and refreshes its entry here. When the database cannot be reached, a
login this worker verified within `ttl` seconds (COPILOT_AUTH_CACHE_SECONDS) before the outage began is
honoured for the outage (a session up to its own expiry). A logout, a revocation or a change to the
user made through this worker drops its entries at once; one made through another worker (or the CLI)
shortly before an outage is not known here, so the TTL is how stale a revocation can be across workers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from copilot.store import clock

V = TypeVar("V")
MAX_ENTRIES = 10_000  # a worker serves a few hundred agents; the bound only stops a flood of logins


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    user: str
    verified_at: float  # time.monotonic()
    expires_at: datetime | None  # a session's own end; None for a token
    token_id: int | None


class VerifiedCache(Generic[V]):
    """Identities keyed by the sha256 of their secret (the secret itself is never kept)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: OrderedDict[str, _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()

    def put(
        self, key: str, value: V, *, user: str, expires_at: datetime | None = None, token_id: int | None = None
    ) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = _Entry(value, user, time.monotonic(), expires_at, token_id)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def get(self, key: str, *, verified_after: float) -> V | None:
        """The value if it was verified at or after `verified_after` (time.monotonic()) and is not past its end."""
        entry = self._entries.get(key)
        if entry is None or entry.verified_at < verified_after:
            return None
        if entry.expires_at is not None and clock.aware(entry.expires_at) <= clock.now():
            self.forget(key)
            return None
        return entry.value

    def get_during_outage(self, key: str, outage_since: float) -> V | None:
        """The value if this worker verified it within the TTL before the outage began."""
        return self.get(key, verified_after=outage_since - self.ttl) if self.ttl > 0 else None

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def forget_token(self, token_id: int) -> None:
        self._forget_where(lambda entry: entry.token_id == token_id)

    def forget_user(self, name: str) -> None:
        """Every session and token of the user (disabled, demoted, deleted or given a new password)."""
        self._forget_where(lambda entry: entry.user == name)

    def _forget_where(self, matches: Callable[[_Entry[V]], bool]) -> None:
        with self._lock:
            for key in [key for key, entry in self._entries.items() if matches(entry)]:
                del self._entries[key]
