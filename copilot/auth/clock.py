"""UTC time, and datetimes read back from SQLite (which forgets the time zone) made aware again."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """The stored moment as UTC; SQLite returns what was written in UTC without its tzinfo."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
