"""Sightings from the sidebars (an agent took or sent a phrase for a customer message), masked and counted in
batches off the event loop, as the stats events are (copilot/stats/recorder.py)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from copilot.learn import candidates
from copilot.learn.keys import MESSAGE_MAX, storable
from copilot.learn.mask import mask
from copilot.store import Store
from copilot.store.flushing import flush_forever
from copilot.store.health import is_unavailable

log = logging.getLogger(__name__)

MAX_PENDING = 5_000  # sightings held (a slow or unreachable database); further ones are dropped, with a warning
# A message this much longer than an example question may be cannot become one, even with personal data masked
# to shorter labels: not queued, so the queue holds at most MAX_PENDING short strings.
QUEUED_CHARS = 4 * MESSAGE_MAX


class CandidateWriter:
    """Collects sightings on the event loop; each flush masks them and records them in one transaction, in a
    worker thread (candidates.record: safe against other workers recording the same candidate meanwhile)."""

    def __init__(self, store: Store, auto_accept_agents: int = 0, limit: int = MAX_PENDING) -> None:
        self.store = store
        self.auto_accept_agents = auto_accept_agents
        self.limit = limit
        self.dropped = 0
        self._pending: deque[tuple[str, str, str | None]] = deque()
        self._lock = asyncio.Lock()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, phrase_id: str, message: str, agent: str | None) -> bool:
        """Queue one sighting of the raw customer message (masked before it is stored); False when it was
        not queued: too long to be an example, or the queue is full."""
        if len(message) > QUEUED_CHARS:
            return False
        if len(self._pending) >= self.limit:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("learning: %s sightings dropped (the database is slow or unreachable)", self.dropped)
            return False
        self._pending.append((phrase_id, message, agent))
        return True

    async def flush(self) -> int:
        """Record what is pending; returns how many sightings were counted. While the database is unreachable
        the batch waits for the next flush (within the limit); a batch failing otherwise is logged and dropped,
        so one bad sighting cannot block the others for good. A candidate auto-accepted here moves the
        phrasebank version: every worker, this one too, retrains within COPILOT_REFRESH_SECONDS."""
        async with self._lock:
            if not self._pending:
                return 0
            batch = list(self._pending)
            self._pending.clear()
            try:
                counted = await asyncio.to_thread(self._write, batch)
            except Exception as exc:
                if not is_unavailable(exc):
                    log.exception("learning: recording %s sightings failed; they are dropped", len(batch))
                    return 0
                room = max(0, self.limit - len(self._pending))
                self._pending.extendleft(reversed(batch[-room:] if room else []))
                raise
        return counted

    def _write(self, batch: list[tuple[str, str, str | None]]) -> int:
        sightings = [
            candidates.Sighting(phrase_id, storable(mask(message)), agent=storable(agent) if agent else None)
            for phrase_id, message, agent in batch
        ]
        with self.store.begin() as session:
            return candidates.record(session, sightings, auto_accept_agents=self.auto_accept_agents)

    async def run(self, interval: float = 0.5) -> None:
        """Flush every `interval` seconds until cancelled; a failed flush is logged and retried."""
        await flush_forever(self.flush, self.store, "learning: writing sightings", interval)
