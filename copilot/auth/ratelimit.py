"""Failed-login limits per user name and per client address, counted in the database so workers share them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from copilot.auth import clock
from copilot.auth.models import LoginAttempt

_KEY_CHARS = 64


def _key(value: str) -> str:
    """What a failure is counted under: PostgreSQL text holds no NUL and no lone surrogate."""
    return value[:_KEY_CHARS].encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


@dataclass(frozen=True)
class LoginLimits:
    """At most `per_name` failures for one name and `per_ip` from one address within `window`."""

    per_name: int
    per_ip: int
    window: timedelta

    def retry_after(self, session: Session, *, name: str, client_ip: str) -> int | None:
        """Seconds until a login may be tried again, or None when it may be tried now."""
        now = clock.now()
        waits = [
            self._wait(session, LoginAttempt.name == _key(name), self.per_name, now),
            self._wait(session, LoginAttempt.client_ip == _key(client_ip), self.per_ip, now),
        ]
        longest = max((w for w in waits if w is not None), default=None)
        return None if longest is None else max(1, math.ceil(longest))

    def _wait(self, session: Session, which: object, limit: int, now: datetime) -> float | None:
        # Sliding window: the limit-th newest failure must leave the window before the next try.
        recent = session.scalars(
            select(LoginAttempt.attempted_at).where(which, LoginAttempt.attempted_at > now - self.window)  # type: ignore[arg-type]
            .order_by(LoginAttempt.attempted_at.desc()).limit(limit)
        ).all()
        if len(recent) < limit:
            return None
        return (clock.aware(recent[-1]) + self.window - now).total_seconds()

    def record_failure(self, session: Session, *, name: str, client_ip: str) -> None:
        now = clock.now()
        session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at <= now - self.window))
        session.add(LoginAttempt(name=_key(name), client_ip=_key(client_ip), attempted_at=now))

    def forget(self, session: Session, *, name: str) -> None:
        """A successful login clears the name's failures (the address keeps its count)."""
        session.execute(delete(LoginAttempt).where(LoginAttempt.name == _key(name)))
