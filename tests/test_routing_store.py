"""Routes, agent presence and agent events in the database (#11): routes kept and moved, `delivered`
counting a sidebar once, the conversation list, and the sweep (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update

from copilot.conversations import FOCUS, TOTAL, ConversationStore
from copilot.store import Store, upgrade
from copilot.store.models import AgentEvent, ConversationRoute, ConversationTurn


@pytest.fixture
def book(database_url: str) -> Iterator[ConversationStore]:
    store = Store.from_url(database_url)
    upgrade(store.engine)
    yield ConversationStore(store, turns=20, idle_seconds=60, per_agent=300, per_ip=300)
    store.dispose()


def test_a_route_is_kept_for_later_pushes_and_moved_by_a_push_naming_another_agent(book: ConversationStore) -> None:
    assert book.append("c1", "customer", "在吗", agent="27", route=True).agent == "27"
    assert book.recent("c1", with_route=True).agent == "27" and book.route_of("c1") == "27"
    book.append("c1", "customer", "在吗", agent="28", route=True)  # the upsert: one row, the newest agent
    assert book.route_of("c1") == "28" and book.route_of("c2") is None
    turns, events = book.news_after(0, 0)
    assert [notice.agent for notice in turns] == ["28", "28"] and events == []  # polled with the route as it is


def test_delivered_counts_a_sidebar_that_is_both_watcher_and_agent_once(book: ConversationStore) -> None:
    book.set_watchers("w1", "c1", 2)  # two sidebars on w1 watch c1 ...
    book.set_presence("w1", "27", {TOTAL: 3, "c1": 1})  # ... one of them is one of agent 27's three there
    book.set_presence("w2", "27", {TOTAL: 1})
    assert book.reached("c1", "27") == 2 + 4 - 1
    assert book.reached("c1", None) == 2 and book.reached("c2", "27") == 4 and book.agent_sidebars("27") == 4
    book.set_presence("w1", "27", {TOTAL: 1}, whole=True)  # the c1 row goes with a whole rewrite
    assert book.reached("c1", "27") == 2 + 2
    book.forget_worker("w1")
    assert book.agent_sidebars("27") == 1


def test_the_list_is_the_agents_live_conversations_longest_waiting_first(book: ConversationStore) -> None:
    for conversation, turns in {
        "answered": [("customer", "能开发票吗"), ("agent", "可以的")],
        "early": [("customer", "在吗"), ("customer", "人呢")],
        "late": [("customer", "发货了吗")],
    }.items():
        for role, text in turns:
            book.append(conversation, role, text, agent="27", route=True)
    book.append("someone-elses", "customer", "你好", agent="28", route=True)
    listed = book.routed_to("27")
    assert [item["conversation"] for item in listed] == ["early", "late", "answered"]
    assert listed[0]["message"] == "人呢" and listed[0]["unread"] == 2
    assert listed[2] == {
        "conversation": "answered",
        "message": "能开发票吗",
        "received_at": listed[2]["received_at"],
        "waiting_since": None,
        "unread": 0,
    }
    assert book.routed_to("27", limit=1) == listed[:1] and book.routed_to("nobody") == []


def test_the_sweep_drops_idle_routes_and_old_agent_events(book: ConversationStore) -> None:
    book.append("idle", "customer", "在吗", agent="27", route=True)
    book.append("busy", "customer", "在吗", agent="27", route=True)
    event = book.agent_event("27", {"type": "focus", "conversation": "busy"}, worker="w1")
    assert event.kind == FOCUS and book.news_after(0, 0)[1] == [event]
    with book.store.begin() as session:
        session.execute(update(ConversationRoute).values(routed_at=ConversationRoute.routed_at - 120))
        session.execute(
            update(ConversationTurn).where(ConversationTurn.conversation == "idle").values(at=ConversationTurn.at - 120)
        )
        session.execute(update(AgentEvent).values(at=AgentEvent.at - 120))
    book.sweep()
    with book.store.read() as session:
        assert session.scalars(select(ConversationRoute.conversation)).all() == ["busy"]  # still has a live turn
        assert session.scalar(select(func.count()).select_from(AgentEvent)) == 0
    assert [item["conversation"] for item in book.routed_to("27")] == ["busy"]
