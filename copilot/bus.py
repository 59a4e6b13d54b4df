"""How a pushed turn (or a focus frame for an agent) reaches every worker on every host: Redis pub/sub when
COPILOT_REDIS_URL is set, else PostgreSQL LISTEN/NOTIFY, else (SQLite, one host) each worker reading new
turns and agent events by id every 25 ms."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from copilot.config import Settings
from copilot.conversations import TURN, ConversationStore, Notice
from copilot.store.db import Store

log = logging.getLogger(__name__)

Deliver = Callable[[Notice], None]

NOTIFY_MAX_BYTES = 7900  # PostgreSQL refuses NOTIFY payloads from 8000 bytes
POLL_S = 0.025  # 40 indexed reads a second per worker: cheap; 50 ms left the p99 over 100 ms
RETRY_MAX_S = 2.0


def encode(notice: Notice, max_bytes: int | None = None) -> str:
    """The notice as JSON; the frame is left out when it would not fit (receivers then read the turn)."""
    payload = {
        "turn": notice.turn,
        "conversation": notice.conversation,
        "worker": notice.worker,
        "frame": notice.frame,
        "agent": notice.agent,
        "kind": notice.kind,
    }
    raw = json.dumps(payload, ensure_ascii=False)
    if max_bytes is not None and len(raw.encode()) > max_bytes:
        raw = json.dumps({**payload, "frame": None}, ensure_ascii=False)
    return raw


def decode(raw: str | bytes) -> Notice:
    payload: dict[str, Any] = json.loads(raw)
    return Notice(
        int(payload["turn"]),
        str(payload["conversation"]),
        payload.get("worker"),
        payload.get("frame"),
        payload.get("agent"),
        str(payload.get("kind") or TURN),
    )


class Bus:
    """Announces pushed turns and agent events and hears everyone's (its own worker's included: the hub
    skips those)."""

    name = "none"

    def announce(self, session: Session, notice: Notice) -> None:
        """Called inside the transaction that stored the turn or the agent event."""

    async def publish(self, notice: Notice) -> None:
        """Called after that transaction committed."""

    async def run(self, deliver: Deliver) -> None:
        """Hear notices until cancelled, reconnecting after any loss."""
        await asyncio.Event().wait()


async def _retrying(what: str, attempt: Callable[[], Any]) -> None:
    """Run `attempt` forever; after a failure wait (up to RETRY_MAX_S) and reconnect, logging once per outage."""
    delay, failing = 0.05, False
    while True:
        try:
            await attempt()
            delay = 0.05
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any loss of the connection means reconnect
            if not failing:
                log.warning("%s lost (%s); reconnecting", what, exc)
            failing = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
            continue
        failing = False


class PostgresBus(Bus):
    """NOTIFY in the turn's own transaction (so it leaves only if the turn was stored); a dedicated LISTEN
    connection per worker. The channel is named after the schema, so installs sharing a database stay apart."""

    name = "postgres"

    def __init__(self, store: Store) -> None:
        url = store.engine.url.set(drivername="postgresql")
        self.dsn = url.render_as_string(hide_password=False)
        with store.engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar() or "public"
        self.channel = f"kefu_copilot_{schema}"[:63]
        self.application_name = f"kefu-copilot listen {schema}"[:63]  # how an operator finds it in pg_stat_activity

    def announce(self, session: Session, notice: Notice) -> None:
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": self.channel, "payload": encode(notice, NOTIFY_MAX_BYTES)},
        )

    async def run(self, deliver: Deliver) -> None:
        import psycopg
        from psycopg import sql

        async def listen() -> None:
            async with await psycopg.AsyncConnection.connect(
                self.dsn, autocommit=True, application_name=self.application_name
            ) as connection:
                await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                async for notification in connection.notifies():
                    deliver(decode(notification.payload))

        await _retrying("PostgreSQL LISTEN connection", listen)


class RedisBus(Bus):
    """Redis pub/sub on `<prefix>:turns`; the prefix keeps installs (and tests) sharing one Redis apart."""

    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio

        self.client = redis.asyncio.from_url(url)
        self.channel = f"{prefix}:turns"

    async def publish(self, notice: Notice) -> None:
        try:
            await self.client.publish(self.channel, encode(notice))
        except Exception as exc:  # noqa: BLE001 - the turn is stored; only other workers' sidebars miss it
            log.warning("Redis publish failed (%s): push %s reached only this worker", exc, notice.turn)

    async def run(self, deliver: Deliver) -> None:
        async def listen() -> None:
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        deliver(decode(message["data"]))
            finally:
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis leaves aclose unannotated

        try:
            await _retrying("Redis subscription", listen)
        finally:
            await self.client.aclose()


class PollingBus(Bus):
    """SQLite: the turns and agent_events tables are the log. Their ids only grow (AUTOINCREMENT) and SQLite
    has one writer at a time, so ids commit in order and "above the last id read" misses nothing; two
    indexed reads in one session every 25 ms."""

    name = "sqlite-poll"

    def __init__(self, conversations: ConversationStore) -> None:
        self.conversations = conversations

    def _newest(self) -> tuple[int, int]:
        return self.conversations.newest_turn(), self.conversations.newest_event()

    async def run(self, deliver: Deliver) -> None:
        last_turn, last_event = await asyncio.to_thread(self._newest)

        async def poll() -> None:
            nonlocal last_turn, last_event
            while True:
                turns, events = await asyncio.to_thread(self.conversations.news_after, last_turn, last_event)
                for notice in turns:
                    last_turn = notice.turn
                    if notice.frame is not None:
                        deliver(notice)
                for notice in events:
                    last_event = notice.turn
                    deliver(notice)
                await asyncio.sleep(POLL_S)

        await _retrying("reading new conversation turns", poll)


def make_bus(settings: Settings, store: Store, conversations: ConversationStore) -> Bus:
    if settings.redis_url:
        return RedisBus(settings.redis_url, settings.redis_prefix)
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        return PostgresBus(store)
    return PollingBus(conversations)
