"""Engine and session factory from a database URL."""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, CursorResult, make_url
from sqlalchemy.orm import Session, sessionmaker

from copilot.store.health import DatabaseBusy, Outage

log = logging.getLogger(__name__)

# A connection given this execution option before its transaction begins takes SQLite's write lock at
# once (BEGIN IMMEDIATE), so two processes migrating or seeding one file queue instead of failing.
IMMEDIATE = "copilot_sqlite_immediate"


def _json_dumps(value: Any) -> str:
    # Chinese stays readable in the database (and in LIKE searches over keyword lists).
    return json.dumps(value, ensure_ascii=False)


def _switch_to_wal(cursor: Any, patience: float = 30.0) -> None:
    """PRAGMA journal_mode=WAL, retried: while another process is creating the same new file, SQLite
    answers "database is locked" at once instead of waiting out the busy timeout (seen when two
    workers start together on a fresh file)."""
    deadline = time.monotonic() + patience
    delay = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@dataclass(frozen=True)
class DatabaseLimits:
    """How long and how many: the bounds that keep a database fault from hanging a worker (COPILOT_DB_*)."""

    connect_timeout: float = 5.0
    statement_timeout: float = 10.0
    pool_size: int = 5
    pool_overflow: int = 5
    pool_timeout: float = 3.0
    max_waiting: int = 16

    @classmethod
    def of(cls, settings: Any) -> DatabaseLimits:
        return cls(
            settings.db_connect_timeout,
            settings.db_statement_timeout,
            settings.db_pool_size,
            settings.db_pool_overflow,
            settings.db_pool_timeout,
            settings.db_max_waiting,
        )


def _postgres_connect_args(url: URL, limits: DatabaseLimits) -> dict[str, Any]:
    # connect_args replace the URL's own `options`, so the statement timeout is appended to them (tests and
    # deployments put search_path there).
    options = url.query.get("options", "")
    options = " ".join(options) if isinstance(options, tuple) else options
    statement_ms = max(1, round(limits.statement_timeout * 1000))
    return {
        "connect_timeout": max(1, round(limits.connect_timeout)),
        "options": f"{options} -c statement_timeout={statement_ms}".strip(),
        # A silently dropped network (no RST) fails a call once data goes unacknowledged this long.
        "tcp_user_timeout": statement_ms + 1000,
    }


def make_engine(url: str, limits: DatabaseLimits | None = None) -> Engine:
    """An engine for the URL with connect and statement timeouts and a bounded pool; SQLite files get WAL,
    foreign keys and real transactions."""
    limits = limits or DatabaseLimits()
    parsed = make_url(url)
    pool: dict[str, Any] = {
        "pool_size": limits.pool_size,
        "max_overflow": limits.pool_overflow,
        "pool_timeout": limits.pool_timeout,
    }
    if parsed.get_backend_name() != "sqlite":
        if parsed.get_backend_name() != "postgresql" or parsed.get_driver_name() not in ("psycopg", "psycopg2"):
            return create_engine(url, json_serializer=_json_dumps, pool_pre_ping=True, **pool)
        engine = create_engine(
            url, json_serializer=_json_dumps, **pool, connect_args=_postgres_connect_args(parsed, limits)
        )
        if parsed.get_driver_name() == "psycopg":
            Deadline(limits).attach(engine)  # its ping replaces pool_pre_ping
        else:
            event.listen(engine.pool, "checkout", Deadline(limits).ping)
        return engine
    if parsed.database and parsed.database != ":memory:":
        if not parsed.database.startswith("file:"):  # a URI filename (?uri=true) names an existing file
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        pool = {}  # an in-memory database lives in one connection per thread: no queue to bound
    # The busy timeout: how long a write waits for another process's write lock before failing.
    engine = create_engine(url, json_serializer=_json_dumps, connect_args={"timeout": limits.statement_timeout}, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # pysqlite's own transaction handling skips BEGIN before DDL and SELECT; take it over (the
        # SQLAlchemy-documented recipe) so every transaction, migrations included, is atomic.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL mode NORMAL syncs at checkpoints, not on every commit: a crash of the process loses
        # nothing, a power cut at most the last commits, never consistency. Every customer message is a
        # commit now (its turn), and a full fsync each time doubled the sidebar's suggestion latency.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Deadline:
    """Severs a PostgreSQL connection whose call has waited on the server past its limit.

    statement_timeout is the server's; a server that no longer answers at all (a hung host, a proxy that
    swallows packets, a partition without RST) leaves the client waiting forever, holding a thread. A
    watchdog thread shuts the socket of any call running past statement_timeout plus a second (a ping past
    connect_timeout), so the call fails with an OperationalError, SQLAlchemy discards the connection and
    the thread is free again.
    """

    def __init__(self, limits: DatabaseLimits) -> None:
        self.statement_limit = limits.statement_timeout + 1.0
        self.ping_limit = limits.connect_timeout
        self._running: dict[int, tuple[float, Any]] = {}  # id(dbapi connection) -> (deadline, connection)
        self._lock = threading.Lock()

    def start(self, dbapi_connection: Any, limit: float) -> None:
        # The entry holds the connection itself, so its id cannot be reused by another while listed.
        with self._lock:
            self._running[id(dbapi_connection)] = (time.monotonic() + limit, dbapi_connection)

    def stop(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._running.pop(id(dbapi_connection), None)

    def sweep(self) -> None:
        now = time.monotonic()
        with self._lock:
            overdue = [key for key, (deadline, _) in self._running.items() if deadline < now]
            severed = [self._running.pop(key)[1] for key in overdue]
        for connection in severed:
            log.info("database call past its deadline; closing its connection")
            _shut_socket(connection)

    def ping(self, dbapi_connection: Any, *_: Any) -> None:
        """The pool's pre-ping, under the ping deadline; a failure drops every pooled connection."""
        self.start(dbapi_connection, self.ping_limit)
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            error = sa_exc.DisconnectionError(str(exc))
            error.invalidate_pool = True  # one dead connection means the rest are too: no ping each
            raise error from exc
        finally:
            self.stop(dbapi_connection)

    def attach(self, engine: Engine) -> None:
        def before(conn: Any, *_: Any) -> None:
            if (dbapi_connection := _dbapi(conn)) is not None:
                self.start(dbapi_connection, self.statement_limit)

        def after(conn: Any, *_: Any) -> None:
            if (dbapi_connection := _dbapi(conn)) is not None:
                self.stop(dbapi_connection)

        def on_error(context: Any) -> None:
            if (dbapi_connection := _dbapi(context.connection)) is not None:
                self.stop(dbapi_connection)

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        event.listen(engine, "commit", before)  # a COMMIT waits on the server too; over at checkin
        event.listen(engine, "rollback", before)
        event.listen(engine, "handle_error", on_error)
        event.listen(engine.pool, "checkout", self.ping)
        event.listen(engine.pool, "checkin", lambda dbapi_connection, _: self.stop(dbapi_connection))
        _watch(self)


# One watchdog thread for every engine of the process; an engine's Deadline leaves with the engine.
_watched: weakref.WeakSet[Deadline] = weakref.WeakSet()
_watchdog_lock = threading.Lock()
_watchdog: threading.Thread | None = None


def _watch(deadline: Deadline) -> None:
    global _watchdog
    with _watchdog_lock:
        _watched.add(deadline)
        if _watchdog is None:
            _watchdog = threading.Thread(target=_sweep_forever, name="db-deadline", daemon=True)
            _watchdog.start()


def _sweep_forever() -> None:
    while True:
        time.sleep(0.2)
        for deadline in list(_watched):
            deadline.sweep()


def _dbapi(conn: Any) -> Any:
    """The driver's connection under a SQLAlchemy one, or None once it is closed or invalidated (a
    severed connection is rolled back without one)."""
    if conn is None or conn.closed or conn.invalidated:
        return None
    try:
        return conn.connection.dbapi_connection
    except sa_exc.SQLAlchemyError:
        return None


def _shut_socket(dbapi_connection: Any) -> None:
    """Make a blocked libpq call return: shut the connection's socket down under it."""
    try:
        fd = os.dup(dbapi_connection.pgconn.socket)
    except Exception:  # already closed
        return
    with socket.socket(fileno=fd) as sock, suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@dataclass
class Store:
    """The app's handle on the database: one engine, its session factory, and the gate in front of them."""

    engine: Engine
    sessions: sessionmaker[Session]
    max_waiting: int = 16
    outage: Outage = field(default_factory=Outage)

    def __post_init__(self) -> None:
        # At most max_waiting threads of this worker wait on the database; the rest are refused at once,
        # so a database that hangs holds a bounded share of the thread pool, never all of it.
        self._gate = threading.BoundedSemaphore(self.max_waiting)
        event.listen(self.engine, "after_cursor_execute", lambda *_: self.outage.success())

    @classmethod
    def from_url(cls, url: str, limits: DatabaseLimits | None = None) -> Store:
        limits = limits or DatabaseLimits()
        engine = make_engine(url, limits)
        return cls(engine, sessionmaker(engine, expire_on_commit=False), limits.max_waiting)

    @contextmanager
    def gate(self) -> Iterator[None]:
        """Hold one of the database's places for this thread, or raise DatabaseBusy if none is free (and
        DatabaseUnavailable at once during an outage, but for a probe now and then)."""
        with self.outage.admit():
            if not self._gate.acquire(blocking=False):
                raise DatabaseBusy
            try:
                yield
            finally:
                self._gate.release()

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in one transaction that may write: committed on success, rolled back on any error.

        On SQLite it takes the write lock at BEGIN (waiting out the busy timeout): a transaction that reads
        and then writes fails at once with "database is locked" when another worker committed in between,
        and with several workers writing (conversation turns, watchers, stats) that happens every few seconds.
        """
        with self.gate(), self.sessions.begin() as session:
            session.connection(execution_options={IMMEDIATE: True})
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: never waits for SQLite's write lock (hot paths: history, identities)."""
        with self.gate(), self.sessions.begin() as session:
            yield session

    def ping(self) -> None:
        """Ask the database a trivial question (raises when it cannot answer)."""
        with self.gate(), self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


def rowcount(result: object) -> int:
    """How many rows an UPDATE or DELETE run through Session.execute matched. Its result is a CursorResult,
    which has the count, but Session.execute is typed as returning a plain Result, which has not."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
