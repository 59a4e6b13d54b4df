"""Stats events from the sidebars, written in batches off the event loop (never inline in a WebSocket handler)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import insert

from copilot.store import Store
from copilot.store.flushing import flush_forever
from copilot.store.models import Event

log = logging.getLogger(__name__)

MAX_PENDING = 20_000  # events held while the database is unreachable; the oldest go first beyond this
# PostgreSQL refuses NUL and no database can store a lone surrogate: one such event would poison every batch.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def conversation_key(conversation: str) -> str:
    """A stable stand-in for the platform's conversation id: enough to tell conversations apart, no more."""
    return hashlib.sha256(conversation.encode("utf-8")).hexdigest()[:16]


class EventWriter:
    """Collects events on the event loop and writes them in one transaction per flush, in a worker thread."""

    def __init__(self, store: Store, tz: tzinfo, keep_text: bool = False) -> None:
        self.store = store
        self.tz = tz
        self.keep_text = keep_text
        self.dropped = 0
        self._pending: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()

    def _add(self, **event: Any) -> None:
        at = datetime.now(UTC)
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = _UNSTORABLE.sub("\ufffd", value)
        self._pending.append({"at": at, "day": at.astimezone(self.tz).date(), "rules": [], **event})
        if len(self._pending) > MAX_PENDING:
            del self._pending[0]
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("stats: %s events dropped while the database was unreachable", self.dropped)

    def used(self, *, agent: str | None, phrase_id: str) -> None:
        """An agent put a phrase into the draft."""
        self._add(kind="used", agent=agent, phrase_id=phrase_id)

    def sent(
        self,
        *,
        agent: str | None,
        conversation: str,
        verdict: str,
        rules: Sequence[str],
        reply_ms: int | None,
        text: str,
    ) -> None:
        """An agent sent a reply; the text is kept only when the stats_keep_text setting asks for it."""
        self._add(
            kind="sent",
            agent=agent,
            conversation=conversation_key(conversation),
            verdict=verdict,
            rules=list(rules),
            reply_ms=reply_ms,
            text=text if self.keep_text else None,
        )

    async def flush(self) -> int:
        """Write what is pending; on failure the batch waits for the next flush. Returns how many were written."""
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                await asyncio.to_thread(self._write, batch)
            except Exception:
                self._pending[:0] = batch[-MAX_PENDING:]
                raise
            return len(batch)

    def _write(self, batch: list[dict[str, Any]]) -> None:
        with self.store.begin() as session:
            session.execute(insert(Event), batch)

    async def run(self, interval: float = 0.5) -> None:
        """Flush every `interval` seconds until cancelled; a failed flush is logged and retried."""
        await flush_forever(self.flush, self.store, "stats: writing events", interval)
