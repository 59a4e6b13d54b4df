"""Failed-login limits per user name and per client address, counted in the database so workers share them.

An attempt is counted before its password is looked at, so racing attempts cannot all pass a check made
before any of them was recorded: its row is inserted and committed first, then the attempts in the window
are counted. Each racing attempt therefore sees every attempt committed before it (PostgreSQL's READ
COMMITTED, SQLite's single writer), and the last of the ones let through saw all the others: at most the
limit reach password verification. A refused attempt takes its row back, so hammering does not extend the
wait; a failed one keeps it (it is the failure); a right password takes back the name's rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from copilot.auth.models import LoginAttempt
from copilot.store import clock
from copilot.store.db import IMMEDIATE

if TYPE_CHECKING:
    from copilot.store import Store

_KEY_CHARS = 64


def _key(value: str) -> str:
    """What a failure is counted under: PostgreSQL text holds no NUL and no lone surrogate."""
    return value[:_KEY_CHARS].encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


@contextmanager
def _writing(store: Store) -> Iterator[Session]:
    """A transaction that may write after reading: on SQLite it takes the write lock at BEGIN, since a read
    transaction that later writes fails at once ("database is locked") when another writer got in between.
    Store.begin() does the same behind the database gate; a burst of logins is counted here rather than
    refused by the gate, so the limit, not the load, decides who waits."""
    with store.sessions() as session, session.begin():
        session.connection(execution_options={IMMEDIATE: True})
        yield session


@dataclass(frozen=True)
class Admission:
    """A counted attempt: its row, and the seconds to wait when it was one too many (its row already gone)."""

    attempt_id: int
    retry_after: int | None


@dataclass(frozen=True)
class LoginLimits:
    """At most `per_name` failures for one name and `per_ip` from one address within `window`."""

    per_name: int
    per_ip: int
    window: timedelta

    def admit(self, store: Store, *, name: str, client_ip: str) -> Admission:
        """Count one login attempt; it may go on to the password check unless retry_after is set."""
        now = clock.now()
        with _writing(store) as session:
            session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= now - self.window))
            attempt = LoginAttempt(name=_key(name), client_ip=_key(client_ip), attempted_at=now)
            session.add(attempt)
            session.flush()
            attempt_id = attempt.id
        # A new transaction, so the count sees every attempt committed before ours (and ours).
        with _writing(store) as session:
            waits = [
                self._wait(session, LoginAttempt.name == _key(name), self.per_name, now, attempt_id),
                self._wait(session, LoginAttempt.client_ip == _key(client_ip), self.per_ip, now, attempt_id),
            ]
            longest = max((w for w in waits if w is not None), default=None)
            if longest is not None:
                session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
        return Admission(attempt_id, None if longest is None else max(1, math.ceil(longest)))

    def _wait(self, session: Session, which: object, limit: int, now: datetime, own: int) -> float | None:
        # Sliding window: with `limit` other attempts inside it, ours is one too many until the oldest
        # of those leaves the window.
        others = session.scalars(
            select(LoginAttempt.attempted_at)
            .where(which, LoginAttempt.id != own, LoginAttempt.attempted_at > now - self.window)  # type: ignore[arg-type]
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(limit)
        ).all()
        if len(others) < limit:
            return None
        return (clock.aware(others[-1]) + self.window - now).total_seconds()

    def take_back(self, session: Session, admission: Admission) -> None:
        """The attempt was no failure after all (a right password for a disabled account)."""
        session.execute(delete(LoginAttempt).where(LoginAttempt.id == admission.attempt_id))

    def forget(self, session: Session, *, name: str) -> None:
        """A successful login clears the name's attempts, its own included (the address keeps the others)."""
        session.execute(delete(LoginAttempt).where(LoginAttempt.name == _key(name)))
