"""Conversation history (the context suggestions use) and who watches each conversation, kept in the
database so every worker on every host sees the same. The methods are blocking: call them off the loop."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from copilot.store.db import Store
from copilot.store.models import ConversationTurn, ConversationWatcher
from copilot.suggest.suggester import Turn

# A worker refreshes its watcher rows this often; rows older than WATCHERS_EXPIRE_S are a dead worker's.
HEARTBEAT_S = 2.0
WATCHERS_EXPIRE_S = 10.0
SWEEP_BATCH = 5000  # rows one sweep deletes at most, so a sweep never holds the database for long


@dataclass(frozen=True)
class Client:
    """Who adds turns, for the per-client limit: a logged-in agent, else the client's address."""

    agent: str | None
    ip: str | None

    @property
    def key(self) -> str | None:
        if self.agent:
            return f"agent:{self.agent}"[:80]
        return f"ip:{self.ip}" if self.ip else None


PLATFORM = Client(None, None)  # the chat platform's pushes (integration token): not limited


class ConversationLimit(Exception):
    """A client tried to start more conversations than its limit allows within the idle window."""


@dataclass(frozen=True)
class Recent:
    turns: list[Turn]  # oldest first
    waiting_since: float | None  # Unix time of the oldest customer message no agent has answered yet

    def waiting_ms(self, now: float) -> int | None:
        return None if self.waiting_since is None else int((now - self.waiting_since) * 1000)


@dataclass(frozen=True)
class Notice:
    """A pushed turn announced to every worker: its id, conversation, writer and (when small enough) frame."""

    turn: int
    conversation: str
    worker: str | None
    frame: dict[str, Any] | None


class ConversationStore:
    """Last `turns` turns per conversation, none older than `idle_seconds`; at most `per_agent` (logged-in
    agents) or `per_ip` (anonymous clients) conversations written to per client within that window."""

    def __init__(self, store: Store, turns: int, idle_seconds: float, per_agent: int, per_ip: int) -> None:
        self.store = store
        self.turns = turns
        self.idle_seconds = idle_seconds
        self.per_agent = per_agent
        self.per_ip = per_ip

    def recent(self, conversation: str, client: Client = PLATFORM) -> Recent:
        """The conversation's live turns (refused first when this client may not start another one)."""
        cutoff = time.time() - self.idle_seconds
        with self.store.read() as session:
            self._check_limit(session, conversation, client, cutoff)
            rows = session.execute(
                select(ConversationTurn.role, ConversationTurn.text, ConversationTurn.at)
                .where(ConversationTurn.conversation == conversation, ConversationTurn.at > cutoff)
                .order_by(ConversationTurn.id.desc()).limit(self.turns)
            ).all()
        rows.reverse()
        waiting_since = None
        for role, _, at in rows:
            waiting_since = (waiting_since or at) if role == "customer" else None
        return Recent([Turn(role, text) for role, text, _ in rows], waiting_since)

    def append(
        self, conversation: str, role: str, text: str, *, worker: str | None = None, client: Client = PLATFORM,
        frame: dict[str, Any] | None = None, announce: Callable[[Session, Notice], None] | None = None,
        checked: bool = False,
    ) -> Notice:
        """Store one turn; `announce` runs in the same transaction (PostgreSQL's NOTIFY leaves on commit).
        `checked`: the caller's `recent` for this client and conversation just passed the limit."""
        now = time.time()
        with self.store.begin() as session:
            if not checked:
                self._check_limit(session, conversation, client, now - self.idle_seconds)
            turn = ConversationTurn(conversation=conversation, role=role, text=text, at=now, client=client.key,
                                    worker=worker, frame=frame)
            session.add(turn)
            session.flush()
            notice = Notice(turn.id, conversation, worker, frame)
            if announce is not None:
                announce(session, notice)
        return notice

    def pushed_frame(self, turn: int) -> dict[str, Any] | None:
        with self.store.read() as session:
            return session.scalar(select(ConversationTurn.frame).where(ConversationTurn.id == turn))

    def newest_turn(self) -> int:
        with self.store.read() as session:
            return session.scalar(select(func.max(ConversationTurn.id))) or 0

    def pushes_after(self, turn: int, limit: int = 1000) -> list[Notice]:
        """Pushed turns with ids above `turn`, oldest first (how SQLite workers hear of each other's pushes)."""
        with self.store.read() as session:
            rows = session.execute(
                select(ConversationTurn.id, ConversationTurn.conversation, ConversationTurn.worker,
                       ConversationTurn.frame)
                .where(ConversationTurn.id > turn).order_by(ConversationTurn.id).limit(limit)
            ).all()
        return [Notice(*row) for row in rows]

    def set_watchers(self, worker: str, conversation: str, sidebars: int) -> None:
        """Record how many sidebars of this worker watch the conversation (none: the row goes)."""
        with self.store.begin() as session:
            session.execute(delete(ConversationWatcher).where(ConversationWatcher.worker == worker,
                                                              ConversationWatcher.conversation == conversation))
            if sidebars:
                session.add(ConversationWatcher(worker=worker, conversation=conversation, sidebars=sidebars,
                                                seen_at=time.time()))

    def heartbeat(self, worker: str) -> None:
        with self.store.begin() as session:
            session.execute(update(ConversationWatcher).where(ConversationWatcher.worker == worker)
                            .values(seen_at=time.time()))

    def forget_worker(self, worker: str) -> None:
        with self.store.begin() as session:
            session.execute(delete(ConversationWatcher).where(ConversationWatcher.worker == worker))

    def sidebars(self, conversation: str) -> int:
        """Sidebars watching the conversation on every live worker of every host."""
        with self.store.read() as session:
            total = session.scalar(
                select(func.sum(ConversationWatcher.sidebars)).where(
                    ConversationWatcher.conversation == conversation,
                    ConversationWatcher.seen_at > time.time() - WATCHERS_EXPIRE_S)
            )
        return int(total or 0)

    def sweep(self) -> int:
        """Delete a bounded batch of expired turns, turns beyond the newest `turns` of their conversation,
        and dead workers' watchers; returns how many turns went (call again while it is SWEEP_BATCH)."""
        now = time.time()
        with self.store.begin() as session:
            session.execute(delete(ConversationWatcher).where(ConversationWatcher.seen_at < now - WATCHERS_EXPIRE_S))
            newest = (select(ConversationTurn.id, func.row_number().over(
                partition_by=ConversationTurn.conversation, order_by=ConversationTurn.id.desc()).label("rank"))
                .subquery())
            doomed = select(ConversationTurn.id).where(ConversationTurn.at < now - self.idle_seconds).union(
                select(newest.c.id).where(newest.c.rank > self.turns)).limit(SWEEP_BATCH).subquery()
            result = session.execute(delete(ConversationTurn).where(ConversationTurn.id.in_(select(doomed.c.id))))
        return int(result.rowcount or 0)

    def _check_limit(self, session: Session, conversation: str, client: Client, cutoff: float) -> None:
        key = client.key
        if key is None:
            return
        mine = (ConversationTurn.client == key, ConversationTurn.at > cutoff)
        if session.scalar(select(ConversationTurn.id).where(*mine, ConversationTurn.conversation == conversation)
                          .limit(1)) is not None:
            return  # one this client already writes to
        limit = self.per_agent if client.agent else self.per_ip
        started = session.scalar(select(func.count(func.distinct(ConversationTurn.conversation))).where(*mine)) or 0
        if started >= limit:
            who = f"坐席 {client.agent}" if client.agent else f"地址 {client.ip}"
            minutes = max(1, round(self.idle_seconds / 60))
            raise ConversationLimit(
                f"{who} 在 {minutes} 分钟内已写入 {started} 个会话，达到上限（{limit} 个）："
                f"无法新建会话 {conversation[:40]!r}；请在已有会话中继续，或稍后再试"
            )
