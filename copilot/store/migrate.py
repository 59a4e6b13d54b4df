"""Run the Alembic migrations in copilot/store/migrations against an engine, from code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from copilot.store.db import IMMEDIATE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Any constant works; it only has to be the same for every worker of every Kefu Copilot install.
_PG_LOCK_KEY = 0x6B6566750001


def alembic_config() -> Config:
    """Alembic's configuration without an alembic.ini: the scripts live inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe when several workers start at once."""
    config = alembic_config()
    with engine.connect().execution_options(**{IMMEDIATE: True}) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            # Held to the end of the transaction, so a second worker waits and then finds nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
