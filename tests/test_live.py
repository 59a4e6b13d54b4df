"""Live objects: rebuilt and swapped in only when the store's version counter moved, listeners told of each
swap, and the polling loop outliving a failed refresh."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.live import Live, watch
from copilot.store import Store, phrasebank_version, upgrade
from copilot.store.phrases import bump_version


class Built(Live[list[int]]):
    """A Live over the phrasebank counter whose object is a new list per build (so a swap shows)."""

    what = "test object"

    def __init__(self, store: Store) -> None:
        self.builds = 0
        self.fail_next: BaseException | None = None
        super().__init__(store)

    def stored_version(self) -> int:
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        with self.store.sessions() as session:
            return phrasebank_version(session)

    def load(self) -> tuple[int, list[int]]:
        self.builds += 1
        version = self.stored_version()
        return version, [version]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.from_url(f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}")
    upgrade(store.engine)
    yield store
    store.dispose()


def bump(store: Store) -> None:
    with store.begin() as session:
        bump_version(session)


def test_refresh_swaps_only_when_the_version_moved_and_tells_the_listeners(store: Store) -> None:
    live = Built(store)
    swaps: list[list[int]] = []
    live.on_swap.append(lambda: swaps.append(live.current))
    held = live.current
    assert asyncio.run(live.refresh()) is False
    assert live.current is held and live.builds == 1 and swaps == []
    bump(store)
    assert asyncio.run(live.refresh()) is True
    assert live.current is not held and live.current == [live.version] and live.version == held[0] + 1
    assert swaps == [live.current]
    assert asyncio.run(live.refresh()) is False and live.builds == 2 and len(swaps) == 1


async def swapped_while_watching(live: Built) -> bool:
    """Run watch() until the live object swaps in a new build (or give up after 10 s)."""
    swapped = asyncio.Event()
    live.on_swap.append(swapped.set)
    watching = asyncio.create_task(watch([live], interval=0.01))
    try:
        await asyncio.wait_for(swapped.wait(), 10)
        return True
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)


def test_watch_keeps_polling_after_a_refresh_fails(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    live = Built(store)
    live.fail_next = RuntimeError("a bug in one refresh")
    bump(store)
    with caplog.at_level(logging.ERROR, logger="copilot.live"):
        assert asyncio.run(swapped_while_watching(live))
    assert live.current == [live.version]
    assert "test object refresh failed; will retry" in caplog.text


def test_watch_counts_an_unreachable_database_as_an_outage_and_keeps_polling(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = Built(store)
    unreachable = Store.from_url(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated: the driver's own failure
    try:
        with pytest.raises(Exception) as failure, unreachable.sessions() as session:
            phrasebank_version(session)
    finally:
        unreachable.dispose()
    live.fail_next = failure.value
    bump(store)
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(swapped_while_watching(live))
    assert live.current == [live.version]
    # the store's outage log (a start and an end), not a traceback per poll
    assert [r.getMessage().split(" (")[0] for r in caplog.records if r.name == "copilot.store.health"][:1] == [
        "database unavailable"
    ]
    assert "refresh failed" not in caplog.text and store.outage.since is None
