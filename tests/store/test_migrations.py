"""Alembic migrations make the schema from nothing, match the models, and tolerate concurrent starts."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select

from copilot.store import Store, make_engine, open_store, phrasebank_version, upgrade
from copilot.store.migrate import alembic_config
from copilot.store.models import Phrase
from copilot.store.tables import metadata


def test_migrations_create_the_schema_from_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"groups", "phrases", "phrase_history", "store_meta", "alembic_version"} <= tables
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
        upgrade(engine)  # a second run finds nothing to do
    finally:
        engine.dispose()


def test_models_match_the_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        engine.dispose()


def test_sqlite_file_uses_wal_and_its_folder_is_created(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'copilot.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_two_workers_starting_at_once_seed_once(database_url: str, phrasebank_dir: Path) -> None:
    stores: list[Store] = []
    failures: list[BaseException] = []

    def start() -> None:
        try:
            stores.append(open_store(database_url, phrasebank_dir))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        with stores[0].begin() as session:
            assert session.scalar(select(func.count()).select_from(Phrase)) == 3
            assert phrasebank_version(session) == 1
    finally:
        for store in stores:
            store.dispose()
