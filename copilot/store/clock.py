"""The one clock: UTC now, datetimes read back from SQLite (which forgets the time zone) made aware again, and
every datetime the API returns written as ISO 8601 with its offset."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """The stored moment as UTC; SQLite returns what was written in UTC without its tzinfo."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """The moment as the API answers it, `2026-05-01T08:00:00+00:00` on every database; None stays None."""
    return aware(moment).isoformat() if moment is not None else None
