"""What a running service answers from, rebuilt when the store's version counter for it moves.

A rebuild runs in a worker thread and is swapped in whole: requests in flight finish on the old
object, new ones get the new one. Every worker polls the counters, so an edit made through any
worker reaches all of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from copilot.store import PhrasePublic, Store, load_enabled_phrases, phrasebank_version
from copilot.store.health import is_unavailable
from copilot.store.phrase_check import is_blocked
from copilot.suggest.index import SuggestIndex
from copilot.suggest.lexicon import Lexicon
from copilot.suggest.suggester import Suggester

if TYPE_CHECKING:  # the rule book is itself a Live: importing it here at run time would be circular
    from copilot.rulebook import RuleBook

log = logging.getLogger(__name__)

T = TypeVar("T")


class Live(Generic[T]):
    """Holds the current object built from the store and the version it was built from."""

    what = "index"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version, self.current = self.load()
        self._lock = asyncio.Lock()
        self.on_swap: list[Callable[[], None]] = []  # called on the loop after a new object is swapped in

    def stored_version(self) -> int:
        """The store's counter for what this object is built from (read in a worker thread)."""
        raise NotImplementedError

    def load(self) -> tuple[int, T]:
        """The version and a freshly built object (runs in a worker thread; read the version first)."""
        raise NotImplementedError

    def is_stale(self, stored: int) -> bool:
        """Whether what is held must be rebuilt, given the store's counter."""
        return stored != self.version

    async def refresh(self) -> bool:
        """Rebuild off the event loop if the stored version moved; True when a new object was swapped in."""
        async with self._lock:
            stored = await asyncio.to_thread(self.stored_version)
            if not self.is_stale(stored):
                return False
            version, built = await asyncio.to_thread(self.load)
            self.version, self.current = version, built  # one assignment each: readers never see half
            log.info("%s rebuilt at version %s", self.what, version)
            for listener in self.on_swap:
                listener()
            return True


async def watch(lives: Iterable[Live[Any]], interval: float = 1.0) -> None:
    """Poll every version counter forever (cancelled at shutdown); errors are logged, never fatal."""
    lives = list(lives)
    while True:
        await asyncio.sleep(interval)
        for live in lives:
            try:
                await live.refresh()
            except Exception as exc:  # a database hiccup must not end live reload for good
                if is_unavailable(exc):
                    live.store.outage.failure(exc, request=False)  # logged once per outage, not twice a second
                else:
                    log.exception("%s refresh failed; will retry", live.what)


class LiveIndex(Live[Suggester]):
    """The suggest index, rebuilt when the phrasebank version changes; which phrases the rules block is
    worked out again (on the same index) when the rule book moves to another version."""

    what = "phrase index"

    def __init__(
        self, store: Store, lexicon: Lexicon, defaults: Mapping[str, str], rulebook: RuleBook | None = None
    ) -> None:
        self.lexicon = lexicon
        self.defaults = dict(defaults)
        self.rulebook = rulebook
        self.rules_version = -1  # the rule book version `blocked` was worked out with
        self._phrases: list[PhrasePublic] = []
        super().__init__(store)

    @property
    def suggester(self) -> Suggester:
        return self.current

    def stored_version(self) -> int:
        with self.store.sessions() as session:
            return phrasebank_version(session)

    def is_stale(self, stored: int) -> bool:
        return stored != self.version or (self.rulebook is not None and self.rulebook.version != self.rules_version)

    async def refresh(self) -> bool:
        if self.rulebook is not None:
            await self.rulebook.refresh()  # a rule change reaches the suggestions in the same poll
        return await super().refresh()

    def load(self) -> tuple[int, Suggester]:
        with self.store.sessions() as session:
            version = phrasebank_version(session)
            held = getattr(self, "current", None)
            if held is not None and version == self.version:
                index, phrases = held.index, self._phrases  # only the rules moved: keep the index
            else:
                phrases = load_enabled_phrases(session)
                index = SuggestIndex(phrases, self.lexicon)
        blocked = self._blocked(phrases)
        self._phrases = phrases
        return version, Suggester(index, self.defaults, blocked=blocked)

    def _blocked(self, phrases: list[PhrasePublic]) -> frozenset[str]:
        if self.rulebook is None:
            return frozenset()
        self.rules_version = self.rulebook.version
        linter = self.rulebook.linter
        return frozenset(p.id for p in phrases if is_blocked(linter, self.defaults, p.body))
