"""Conversations as every worker on every host sees them, kept in the database: each one's recent turns (the
context suggestions read; its waiting customer message, which learning reads), the per-client limit on
conversations, who watches each, which agent holds it, where that agent's sidebars are, and the log of pushed
turns and agent events SQLite workers poll. The methods are blocking: call them off the loop."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from copilot.store.db import Store, rowcount
from copilot.store.models import AgentEvent, AgentPresence, ConversationRoute, ConversationTurn, ConversationWatcher
from copilot.suggest.suggester import Turn

# A worker refreshes its watcher rows this often; rows older than WATCHERS_EXPIRE_S are a dead worker's.
HEARTBEAT_S = 2.0
WATCHERS_EXPIRE_S = 10.0
SWEEP_BATCH = 5000  # rows one sweep deletes at most, so a sweep never holds the database for long
EVENTS_KEEP_S = 60.0  # agent events (focus) are read by SQLite workers within 25 ms; a minute is plenty
LIST_CONVERSATIONS = 50  # a sidebar's list on (re)connect: the longest waiting of its agent's conversations
ROUTES_READ = 200  # newest routes read to find them (older ones are mostly idle-expired)
TOTAL = ""  # AgentPresence.conversation of the row counting all of an agent's sidebars on a worker


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
    agent: str | None = None  # the agent the conversation is routed to (when asked for)

    def waiting_ms(self, now: float) -> int | None:
        return None if self.waiting_since is None else int((now - self.waiting_since) * 1000)


TURN = "turn"  # a pushed turn: for the conversation's watchers and the agent it is routed to
FOCUS = "focus"  # a frame for every sidebar of one agent


@dataclass(frozen=True)
class Notice:
    """A pushed turn (or an agent event) announced to every worker: its id, conversation, writer, (when
    small enough) frame, the agent it is routed to, and which of the two it is."""

    turn: int
    conversation: str
    worker: str | None
    frame: dict[str, Any] | None
    agent: str | None = None
    kind: str = TURN


class ConversationStore:
    """Last `turns` turns per conversation, none older than `idle_seconds`; at most `per_agent` (logged-in
    agents) or `per_ip` (anonymous clients) conversations written to per client within that window."""

    def __init__(self, store: Store, turns: int, idle_seconds: float, per_agent: int, per_ip: int) -> None:
        self.store = store
        self.turns = turns
        self.idle_seconds = idle_seconds
        self.per_agent = per_agent
        self.per_ip = per_ip

    def recent(self, conversation: str, client: Client = PLATFORM, with_route: bool = False) -> Recent:
        """The conversation's live turns (refused first when this client may not start another one) and,
        `with_route`, the agent it is routed to."""
        cutoff = time.time() - self.idle_seconds
        with self.store.read() as session:
            self._check_limit(session, conversation, client, cutoff)
            rows = session.execute(
                select(ConversationTurn.role, ConversationTurn.text, ConversationTurn.at)
                .where(ConversationTurn.conversation == conversation, ConversationTurn.at > cutoff)
                .order_by(ConversationTurn.id.desc())
                .limit(self.turns)
            ).all()
            agent = self._route_of(session, conversation) if with_route else None
        rows = rows[::-1]  # oldest first
        waiting_since = None
        for role, _, at in rows:
            waiting_since = (waiting_since or at) if role == "customer" else None
        return Recent([Turn(role, text) for role, text, _ in rows], waiting_since, agent)

    def append(
        self,
        conversation: str,
        role: str,
        text: str,
        *,
        worker: str | None = None,
        client: Client = PLATFORM,
        frame: dict[str, Any] | None = None,
        announce: Callable[[Session, Notice], None] | None = None,
        checked: bool = False,
        agent: str | None = None,
        route: bool = False,
    ) -> Notice:
        """Store one turn; `announce` runs in the same transaction (PostgreSQL's NOTIFY leaves on commit).
        `checked`: the caller's `recent` for this client and conversation just passed the limit.
        The notice carries `agent` (the conversation's route, for pushes); `route`: route it to `agent`."""
        now = time.time()
        with self.store.begin() as session:
            if not checked:
                self._check_limit(session, conversation, client, now - self.idle_seconds)
            if route and agent is not None:
                self._route(session, conversation, agent, now)
            turn = ConversationTurn(
                conversation=conversation, role=role, text=text, at=now, client=client.key, worker=worker, frame=frame
            )
            session.add(turn)
            session.flush()
            notice = Notice(turn.id, conversation, worker, frame, agent)
            if announce is not None:
                announce(session, notice)
        return notice

    def waiting_message(self, conversation: str) -> str | None:
        """The conversation's newest turn when it is a customer message no agent has answered yet (what a
        phrase the agent takes now answers), else None. No limit check: it writes nothing."""
        with self.store.read() as session:
            newest = session.execute(
                select(ConversationTurn.role, ConversationTurn.text)
                .where(
                    ConversationTurn.conversation == conversation, ConversationTurn.at > time.time() - self.idle_seconds
                )
                .order_by(ConversationTurn.id.desc())
                .limit(1)
            ).first()
        return newest.text if newest is not None and newest.role == "customer" else None

    def pushed_frame(self, turn: int) -> dict[str, Any] | None:
        with self.store.read() as session:
            return session.scalar(select(ConversationTurn.frame).where(ConversationTurn.id == turn))

    def newest_turn(self) -> int:
        with self.store.read() as session:
            return session.scalar(select(func.max(ConversationTurn.id))) or 0

    def newest_event(self) -> int:
        with self.store.read() as session:
            return session.scalar(select(func.max(AgentEvent.id))) or 0

    def news_after(self, turn: int, event: int, limit: int = 1000) -> tuple[list[Notice], list[Notice]]:
        """Turns with ids above `turn` and agent events above `event`, oldest first (how SQLite workers
        hear of each other's pushes and focus frames). A turn's agent is its conversation's route as it
        stands now: the route is written in the turn's own transaction, so it is there when the turn is."""
        with self.store.read() as session:
            turns = session.execute(
                select(
                    ConversationTurn.id,
                    ConversationTurn.conversation,
                    ConversationTurn.worker,
                    ConversationTurn.frame,
                    ConversationRoute.agent,
                )
                .outerjoin(ConversationRoute, ConversationRoute.conversation == ConversationTurn.conversation)
                .where(ConversationTurn.id > turn)
                .order_by(ConversationTurn.id)
                .limit(limit)
            ).all()
            events = session.execute(
                select(AgentEvent.id, AgentEvent.worker, AgentEvent.frame, AgentEvent.agent)
                .where(AgentEvent.id > event)
                .order_by(AgentEvent.id)
                .limit(limit)
            ).all()
        return (
            [Notice(*row) for row in turns],
            [
                Notice(id_, str(frame.get("conversation", "")), worker, frame, agent, FOCUS)
                for id_, worker, frame, agent in events
            ],
        )

    def route_of(self, conversation: str) -> str | None:
        """The agent the conversation is routed to (None: nobody)."""
        with self.store.read() as session:
            return self._route_of(session, conversation)

    def agent_event(
        self,
        agent: str,
        frame: dict[str, Any],
        *,
        worker: str,
        announce: Callable[[Session, Notice], None] | None = None,
    ) -> Notice:
        """Log a frame for every sidebar of `agent` (SQLite workers poll the log; `announce` tells the others)."""
        with self.store.begin() as session:
            event = AgentEvent(agent=agent, worker=worker, frame=frame, at=time.time())
            session.add(event)
            session.flush()
            notice = Notice(event.id, str(frame.get("conversation", "")), worker, frame, agent, FOCUS)
            if announce is not None:
                announce(session, notice)
        return notice

    def set_watchers(self, worker: str, conversation: str, sidebars: int) -> None:
        """Record how many sidebars of this worker watch the conversation (none: the row goes)."""
        with self.store.begin() as session:
            session.execute(
                delete(ConversationWatcher).where(
                    ConversationWatcher.worker == worker, ConversationWatcher.conversation == conversation
                )
            )
            if sidebars:
                session.add(
                    ConversationWatcher(
                        worker=worker, conversation=conversation, sidebars=sidebars, seen_at=time.time()
                    )
                )

    def set_presence(self, worker: str, agent: str, counts: dict[str, int], whole: bool = False) -> None:
        """Record how many sidebars of `agent` this worker holds (under TOTAL) and, per conversation in
        `counts`, how many of them also watch it (zero: the row goes). `whole`: `counts` is everything,
        the agent's other rows of this worker go too."""
        now = time.time()
        mine = (AgentPresence.worker == worker, AgentPresence.agent == agent)
        with self.store.begin() as session:
            session.execute(
                delete(AgentPresence).where(*mine, *(() if whole else (AgentPresence.conversation.in_(list(counts)),)))
            )
            session.add_all(
                AgentPresence(worker=worker, agent=agent, conversation=conversation, sidebars=sidebars, seen_at=now)
                for conversation, sidebars in counts.items()
                if sidebars
            )

    def heartbeat(self, worker: str) -> None:
        now = time.time()
        with self.store.begin() as session:
            session.execute(update(ConversationWatcher).where(ConversationWatcher.worker == worker).values(seen_at=now))
            session.execute(update(AgentPresence).where(AgentPresence.worker == worker).values(seen_at=now))

    def forget_worker(self, worker: str) -> None:
        with self.store.begin() as session:
            session.execute(delete(ConversationWatcher).where(ConversationWatcher.worker == worker))
            session.execute(delete(AgentPresence).where(AgentPresence.worker == worker))

    def sidebars(self, conversation: str) -> int:
        """Sidebars watching the conversation on every live worker of every host."""
        with self.store.read() as session:
            total = session.scalar(
                select(func.sum(ConversationWatcher.sidebars)).where(
                    ConversationWatcher.conversation == conversation,
                    ConversationWatcher.seen_at > time.time() - WATCHERS_EXPIRE_S,
                )
            )
        return int(total or 0)

    def reached(self, conversation: str, agent: str | None) -> int:
        """Distinct sidebars a push reaches on every live worker: the conversation's watchers and the
        sidebars of the agent it is routed to, a sidebar that is both counted once."""
        if agent is None:
            return self.sidebars(conversation)
        live = time.time() - WATCHERS_EXPIRE_S
        with self.store.read() as session:
            watchers = (
                session.scalar(
                    select(func.sum(ConversationWatcher.sidebars)).where(
                        ConversationWatcher.conversation == conversation, ConversationWatcher.seen_at > live
                    )
                )
                or 0
            )
            rows = session.execute(
                select(AgentPresence.conversation, func.sum(AgentPresence.sidebars))
                .where(
                    AgentPresence.agent == agent,
                    AgentPresence.conversation.in_([TOTAL, conversation]),
                    AgentPresence.seen_at > live,
                )
                .group_by(AgentPresence.conversation)
            ).all()
        counts = {row[0]: int(row[1] or 0) for row in rows}
        return int(watchers) + counts.get(TOTAL, 0) - counts.get(conversation, 0)

    def agent_sidebars(self, agent: str) -> int:
        """Sidebars of `agent` on every live worker of every host."""
        with self.store.read() as session:
            total = session.scalar(
                select(func.sum(AgentPresence.sidebars)).where(
                    AgentPresence.agent == agent,
                    AgentPresence.conversation == TOTAL,
                    AgentPresence.seen_at > time.time() - WATCHERS_EXPIRE_S,
                )
            )
        return int(total or 0)

    def routed_to(self, agent: str, limit: int = LIST_CONVERSATIONS) -> list[dict[str, Any]]:
        """The live conversations routed to `agent` as a sidebar lists them, longest waiting first (then
        the most recently active): last customer message and its time, waiting since, unread count."""
        now = time.time()
        with self.store.read() as session:
            routes = session.scalars(
                select(ConversationRoute.conversation)
                .where(ConversationRoute.agent == agent)
                .order_by(ConversationRoute.routed_at.desc())
                .limit(ROUTES_READ)
            ).all()
            if not routes:
                return []
            rows = session.execute(
                select(ConversationTurn.conversation, ConversationTurn.role, ConversationTurn.text, ConversationTurn.at)
                .where(ConversationTurn.conversation.in_(routes), ConversationTurn.at > now - self.idle_seconds)
                .order_by(ConversationTurn.id)
            ).all()
        listed: dict[str, dict[str, Any]] = {}
        for conversation, role, text, at in rows:
            item = listed.setdefault(
                conversation,
                {
                    "conversation": conversation,
                    "message": None,
                    "received_at": None,
                    "waiting_since": None,
                    "unread": 0,
                    "active": at,
                },
            )
            item["active"] = at
            if role == "customer":
                item.update(message=text, received_at=int(at * 1000), unread=item["unread"] + 1)
                item["waiting_since"] = item["waiting_since"] or int(at * 1000)
            else:  # an agent's reply ends the wait
                item.update(waiting_since=None, unread=0)
        ordered = sorted(
            listed.values(),
            key=lambda item: (item["waiting_since"] is None, item["waiting_since"] or 0, -item["active"]),
        )
        return [{key: value for key, value in item.items() if key != "active"} for item in ordered[:limit]]

    def sweep(self) -> int:
        """Delete a bounded batch of expired turns, turns beyond the newest `turns` of their conversation,
        routes of conversations idle for the whole window, old agent events and dead workers' rows; returns
        how many turns went (call again while it is SWEEP_BATCH)."""
        now = time.time()
        with self.store.begin() as session:
            session.execute(delete(ConversationWatcher).where(ConversationWatcher.seen_at < now - WATCHERS_EXPIRE_S))
            session.execute(delete(AgentPresence).where(AgentPresence.seen_at < now - WATCHERS_EXPIRE_S))
            session.execute(delete(AgentEvent).where(AgentEvent.at < now - EVENTS_KEEP_S))
            # a route outlives its turns by nothing: routed before the idle window and quiet since
            live = select(ConversationTurn.id).where(
                ConversationTurn.conversation == ConversationRoute.conversation,
                ConversationTurn.at > now - self.idle_seconds,
            )
            stale = (
                select(ConversationRoute.conversation)
                .where(ConversationRoute.routed_at < now - self.idle_seconds, ~live.exists())
                .limit(SWEEP_BATCH)
                .subquery()
            )
            session.execute(
                delete(ConversationRoute).where(ConversationRoute.conversation.in_(select(stale.c.conversation)))
            )
            newest = select(
                ConversationTurn.id,
                func.row_number()
                .over(partition_by=ConversationTurn.conversation, order_by=ConversationTurn.id.desc())
                .label("rank"),
            ).subquery()
            doomed = (
                select(ConversationTurn.id)
                .where(ConversationTurn.at < now - self.idle_seconds)
                .union(select(newest.c.id).where(newest.c.rank > self.turns))
                .limit(SWEEP_BATCH)
                .subquery()
            )
            result = session.execute(delete(ConversationTurn).where(ConversationTurn.id.in_(select(doomed.c.id))))
        return rowcount(result)

    @staticmethod
    def _route_of(session: Session, conversation: str) -> str | None:
        return session.scalar(select(ConversationRoute.agent).where(ConversationRoute.conversation == conversation))

    @staticmethod
    def _route(session: Session, conversation: str, agent: str, now: float) -> None:
        """Route the conversation to `agent` (an upsert: two pushes may route it at once)."""
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        values = {"agent": agent, "routed_at": now}
        session.execute(
            dialect.insert(ConversationRoute)
            .values(conversation=conversation, **values)
            .on_conflict_do_update(index_elements=["conversation"], set_=values)
        )

    def _check_limit(self, session: Session, conversation: str, client: Client, cutoff: float) -> None:
        key = client.key
        if key is None:
            return
        mine = (ConversationTurn.client == key, ConversationTurn.at > cutoff)
        if (
            session.scalar(
                select(ConversationTurn.id).where(*mine, ConversationTurn.conversation == conversation).limit(1)
            )
            is not None
        ):
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
