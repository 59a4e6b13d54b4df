"""Reply-time median and p90 picked by the database: it sorts, and only the ranks needed come back.

Window functions (row_number and count over the replies, ordered by reply time) work alike in SQLite and
PostgreSQL, so an agent with a million replies still hands Python three rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, null, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from copilot.store.models import Event


@dataclass(frozen=True)
class ReplyTime:
    count: int
    median_ms: float  # the mean of the middle two for an even count (an int when that is whole)
    p90_ms: int  # nearest rank: the smallest reply time that at least 90% of replies were within


def _ranks(n: Any) -> list[Any]:
    # Integer division in both databases: (n+1)//2 and (n+2)//2 are the middle ranks, ceil(0.9n) the p90 rank.
    return [(n + 1) // 2, (n + 2) // 2, (9 * n + 9) // 10]


def reply_times(
    session: Session, where: Sequence[ColumnElement[bool]], *, per_agent: bool
) -> dict[str | None, ReplyTime]:
    """Reply time of the sent replies matching `where` that answered a waiting customer, per agent (keyed by
    Event.agent) or over all of them (keyed by None)."""
    group: ColumnElement[Any] | InstrumentedAttribute[str | None] = Event.agent if per_agent else null()
    partition_by = Event.agent if per_agent else None
    ranked = (
        select(
            group.label("who"),
            Event.reply_ms.label("reply_ms"),
            func.row_number().over(order_by=Event.reply_ms, partition_by=partition_by).label("rank"),
            func.count().over(partition_by=partition_by).label("n"),
        )
        .where(Event.kind == "sent", Event.reply_ms.is_not(None), *where)
        .subquery()
    )
    picked = select(ranked.c.who, ranked.c.reply_ms, ranked.c.rank, ranked.c.n).where(
        ranked.c.rank.in_(_ranks(ranked.c.n))
    )
    by_rank: dict[str | None, dict[int, int]] = {}
    counts: dict[str | None, int] = {}
    for who, reply_ms, rank, n in session.execute(picked):
        by_rank.setdefault(who, {})[int(rank)] = int(reply_ms)
        counts[who] = int(n)
    found = {}
    for who, values in by_rank.items():
        n = counts[who]
        low, high, p90 = (values[rank] for rank in _ranks(n))
        middle = (low + high) / 2
        found[who] = ReplyTime(n, int(middle) if middle.is_integer() else middle, p90)
    return found
