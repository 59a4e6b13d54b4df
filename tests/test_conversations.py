"""Conversation turns and watchers in the database: bounded history, derived waiting time, dead workers'
watchers expiring, a bounded sweep and the per-client conversation limit (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, update

from copilot.conversations import PLATFORM, Client, ConversationLimit, ConversationStore
from copilot.store import Store, upgrade
from copilot.store.models import ConversationTurn, ConversationWatcher
from copilot.suggest.suggester import Turn


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store.from_url(database_url)
    upgrade(store.engine)
    yield store
    store.dispose()


def conversations(store: Store, turns: int = 3, per_agent: int = 2, per_ip: int = 3) -> ConversationStore:
    return ConversationStore(store, turns=turns, idle_seconds=60, per_agent=per_agent, per_ip=per_ip)


def age(store: Store, seconds: float, model: type = ConversationTurn) -> None:
    """Make every row `seconds` older, as if written that long ago."""
    column = model.at if model is ConversationTurn else model.seen_at
    with store.begin() as session:
        session.execute(update(model).values({column: column - seconds}))


def test_history_is_the_newest_turns_and_waiting_runs_from_the_first_unanswered_message(store: Store) -> None:
    book = conversations(store)
    assert book.recent("c1").turns == [] and book.recent("c1").waiting_since is None
    for role, text in [("customer", "在吗"), ("agent", "在的"), ("customer", "能开发票吗"), ("customer", "急")]:
        book.append("c1", role, text)
    recent = book.recent("c1")
    assert recent.turns == [Turn("agent", "在的"), Turn("customer", "能开发票吗"), Turn("customer", "急")]
    with store.begin() as session:
        first_unanswered = session.scalar(select(ConversationTurn.at).where(ConversationTurn.text == "能开发票吗"))
    assert recent.waiting_since == first_unanswered
    book.append("c1", "agent", "可以的")
    assert book.recent("c1").waiting_since is None
    assert book.recent("other").turns == []


def test_turns_older_than_the_idle_window_are_not_history_and_the_sweep_deletes_them(store: Store) -> None:
    book = conversations(store, turns=2)
    book.append("old", "customer", "上周的问题")
    age(store, 120)
    for n in range(5):
        book.append("busy", "customer", f"第{n}条")
    assert book.recent("old").turns == []
    assert book.sweep() == 1 + 3  # the expired turn, and the busy conversation's turns beyond the newest 2
    with store.begin() as session:
        left = session.scalars(select(ConversationTurn.text).order_by(ConversationTurn.id)).all()
    assert left == ["第3条", "第4条"]
    assert book.recent("busy").turns == [Turn("customer", "第3条"), Turn("customer", "第4条")]


def test_watchers_count_across_workers_until_a_worker_stops_its_heartbeat(store: Store) -> None:
    book = conversations(store)
    book.set_watchers("worker-a", "c1", 2)
    book.set_watchers("worker-b", "c1", 1)
    book.set_watchers("worker-b", "c2", 1)
    assert book.sidebars("c1") == 3 and book.sidebars("c2") == 1 and book.sidebars("c3") == 0
    book.set_watchers("worker-a", "c1", 1)
    assert book.sidebars("c1") == 2
    age(store, 60, ConversationWatcher)  # both workers went quiet (killed: nothing removed their rows) ...
    book.heartbeat("worker-b")  # ... and worker-b came back
    assert book.sidebars("c1") == 1 and book.sidebars("c2") == 1
    book.sweep()
    with store.begin() as session:
        assert session.scalars(select(ConversationWatcher.worker).distinct()).all() == ["worker-b"]
    book.forget_worker("worker-b")  # a clean shutdown
    assert book.sidebars("c2") == 0


def test_a_client_cannot_write_to_more_conversations_than_its_limit(store: Store) -> None:
    book = conversations(store, per_agent=2, per_ip=3)
    amy, office = Client("amy", "10.0.0.5"), Client(None, "10.0.0.5")
    for conversation in ("c1", "c2"):
        book.append(conversation, "customer", "在吗", client=amy)
    book.append("c1", "agent", "在的", client=amy)  # one it already writes to is always fine
    with pytest.raises(ConversationLimit, match=r"坐席 amy 在 1 分钟内已写入 2 个会话，达到上限（2 个）"):
        book.recent("c3", amy)
    with pytest.raises(ConversationLimit):
        book.append("c3", "customer", "在吗", client=amy)
    for conversation in ("c1", "c2", "c3"):  # anonymous clients are counted by address, apart from logins
        book.append(conversation, "customer", "在吗", client=office)
    with pytest.raises(ConversationLimit, match="地址 10.0.0.5"):
        book.append("c4", "customer", "在吗", client=office)
    for n in range(10):  # the chat platform pushes every conversation of the shop
        book.append(f"p{n}", "customer", "在吗", client=PLATFORM)
    age(store, 120)  # the window passed: room again
    book.append("c9", "customer", "在吗", client=amy)
    with store.begin() as session:
        assert session.scalar(select(func.count()).select_from(ConversationTurn)) == 3 + 3 + 10 + 1
