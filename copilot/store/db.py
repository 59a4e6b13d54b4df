"""Engine and session factory from a database URL."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

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


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get WAL, foreign keys and real transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, json_serializer=_json_dumps, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_serializer=_json_dumps, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # pysqlite's own transaction handling skips BEGIN before DDL and SELECT; take it over (the
        # SQLAlchemy-documented recipe) so every transaction, migrations included, is atomic.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass
class Store:
    """The app's handle on the database: one engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def from_url(cls, url: str) -> Store:
        engine = make_engine(url)
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
