"""EventWriter: the sidebars' used/sent events, held on the event loop and written in one transaction per
flush; conversation ids as a digest, reply text only when the setting asks, nothing a database refuses."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from copilot.stats.recorder import EventWriter, conversation_key
from copilot.store import Store
from copilot.store.models import Event

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def store(tiny_store: Store) -> Store:
    return tiny_store


def events(store: Store) -> list[Event]:
    with store.read() as session:
        rows = list(session.scalars(select(Event).order_by(Event.id)))
        session.expunge_all()
        return rows


def test_one_flush_writes_what_is_pending_and_the_next_writes_nothing(store: Store) -> None:
    writer = EventWriter(store, SHANGHAI)
    writer.used(agent="小王", phrase_id="invoice-01")
    writer.sent(
        agent="小王", conversation="tb-123", verdict="warn", rules=["style.bu-any"], reply_ms=4200, text="亲，不好意思"
    )
    assert asyncio.run(writer.flush()) == 2
    assert asyncio.run(writer.flush()) == 0
    used, sent = events(store)
    assert (used.kind, used.agent, used.phrase_id) == ("used", "小王", "invoice-01")
    assert (sent.kind, sent.verdict, sent.rules, sent.reply_ms) == ("sent", "warn", ["style.bu-any"], 4200)
    assert sent.conversation == conversation_key("tb-123") != "tb-123"  # never the platform's id
    assert sent.text is None  # no message bodies unless COPILOT_STATS_KEEP_TEXT


def test_reply_text_is_kept_only_when_asked_and_never_with_what_a_database_refuses(store: Store) -> None:
    writer = EventWriter(store, SHANGHAI, keep_text=True)
    writer.sent(agent="小\x00王", conversation="c1", verdict="ok", rules=[], reply_ms=None, text="好的\ud800亲")
    asyncio.run(writer.flush())
    (sent,) = events(store)
    assert (sent.agent, sent.text) == ("小\ufffd王", "好的\ufffd亲")
