"""CandidateWriter: sightings from the sidebars, masked and recorded in batches; bounded while the database
is slow or gone."""

from __future__ import annotations

import asyncio
import logging

import pytest

from copilot.learn import candidates
from copilot.learn.mask import mask
from copilot.learn.writer import QUEUED_CHARS, CandidateWriter
from copilot.store import Store
from copilot.store.health import is_unavailable


@pytest.fixture
def store(tiny_store: Store) -> Store:
    return tiny_store


def pending_messages(store: Store) -> list[tuple[str, str, int]]:
    with store.read() as session:
        return [
            (group["phrase"]["id"], c["message"], c["count"])
            for group in candidates.list_candidates(session)
            for c in group["candidates"]
        ]


def test_sightings_are_masked_and_recorded_in_one_flush(store: Store) -> None:
    writer = CandidateWriter(store)
    asked = "我的手机13812345678\x00，能开发票吗"
    assert writer.add("invoice-01", asked, "小王") and writer.add("invoice-01", asked, "小李")
    assert writer.add("no-such-phrase", "能开发票吗", "小王")  # a phrase deleted meanwhile: not counted
    assert not writer.add("ship-01", "好" * (QUEUED_CHARS + 1), "小王")  # could never be an example
    assert asyncio.run(writer.flush()) == 2 and writer.pending == 0
    [(phrase, message, count)] = pending_messages(store)
    assert (phrase, count) == ("invoice-01", 2)
    assert message == mask("我的手机13812345678，能开发票吗") and "13812345678" not in message


def test_a_full_queue_drops_with_a_warning_instead_of_growing(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    writer = CandidateWriter(store, limit=2)
    with caplog.at_level(logging.WARNING, "copilot.learn.writer"):
        results = [writer.add("invoice-01", f"第{n}张发票能开吗", None) for n in range(3)]
    assert results == [True, True, False] and writer.pending == 2 and writer.dropped == 1
    assert "sightings dropped" in caplog.text
    assert asyncio.run(writer.flush()) == 2


def test_sightings_wait_while_the_database_is_unreachable() -> None:
    gone = Store.from_url("postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2")
    try:
        writer = CandidateWriter(gone, limit=10)
        writer.add("invoice-01", "能开发票吗", "小王")
        with pytest.raises(Exception) as failed:
            asyncio.run(writer.flush())
        assert is_unavailable(failed.value)
        assert writer.pending == 1  # kept for the next flush
    finally:
        gone.dispose()
