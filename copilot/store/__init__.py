"""The phrase store: SQLAlchemy models, Alembic migrations, data access, import and export."""

from __future__ import annotations

from pathlib import Path

from copilot.store.db import IMMEDIATE, DatabaseLimits, Store, make_engine
from copilot.store.errors import StoreError
from copilot.store.migrate import upgrade
from copilot.store.phrases import load_enabled_phrases, phrasebank_version
from copilot.store.schemas import PhrasePublic
from copilot.store.seed import seed

__all__ = [
    "DatabaseLimits",
    "PhrasePublic",
    "Store",
    "StoreError",
    "load_enabled_phrases",
    "make_engine",
    "open_store",
    "phrasebank_version",
    "upgrade",
]


def open_store(database_url: str, phrasebank_dir: Path, limits: DatabaseLimits | None = None) -> Store:
    """Connect, migrate to the newest schema, and load the default phrasebank if never loaded."""
    store = Store.from_url(database_url, limits)
    try:
        upgrade(store.engine)
        with store.sessions() as session, session.begin():
            session.connection(execution_options={IMMEDIATE: True})  # take SQLite's write lock first
            seed(session, phrasebank_dir)
    except BaseException:
        store.dispose()
        raise
    return store
