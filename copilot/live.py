"""The suggest index a running service answers from, rebuilt when the phrasebank version changes.

A rebuild runs in a worker thread and is swapped in whole: requests in flight finish on the old
Suggester, new ones get the new one. Every worker polls the store's version counter, so an edit
made through any worker reaches all of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from copilot.store import Store, load_enabled_phrases, phrasebank_version
from copilot.suggest.index import SuggestIndex
from copilot.suggest.lexicon import Lexicon
from copilot.suggest.suggester import Suggester

log = logging.getLogger(__name__)


class LiveIndex:
    """Holds the current Suggester and the phrasebank version it was built from."""

    def __init__(self, store: Store, lexicon: Lexicon, defaults: Mapping[str, str]) -> None:
        self.store = store
        self.lexicon = lexicon
        self.defaults = dict(defaults)
        self.version = -1
        self.suggester = self._build()[1]
        self._lock = asyncio.Lock()

    def _build(self) -> tuple[int, Suggester]:
        with self.store.sessions() as session:
            version = phrasebank_version(session)
            phrases = load_enabled_phrases(session)
        suggester = Suggester(SuggestIndex(phrases, self.lexicon), self.defaults)
        self.version = version
        return version, suggester

    def stored_version(self) -> int:
        with self.store.sessions() as session:
            return phrasebank_version(session)

    async def refresh(self) -> bool:
        """Rebuild off the event loop if the stored phrasebank changed; True when a new index was swapped in."""
        async with self._lock:
            stored = await asyncio.to_thread(self.stored_version)
            if stored == self.version:
                return False
            _, suggester = await asyncio.to_thread(self._build)
            self.suggester = suggester
            log.info("phrase index rebuilt at phrasebank version %s (%s phrases)", self.version, len(suggester.index))
            return True

    async def watch(self, interval: float = 1.0) -> None:
        """Poll the version counter forever (cancelled at shutdown); errors are logged, never fatal."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # a database hiccup must not end live reload for good
                log.exception("phrase index refresh failed; will retry")
