"""Login sessions: a random cookie value whose sha256 is the key, a CSRF token, and an expiry."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from copilot.auth.models import LoginSession, User
from copilot.auth.tokens import digest
from copilot.store import clock

COOKIE = "kefu_session"


def start_session(session: Session, *, user: User, hours: float) -> tuple[LoginSession, str]:
    """A new session for the user and its cookie value; expired sessions of anyone are swept here."""
    now = clock.now()
    session.execute(delete(LoginSession).where(LoginSession.expires_at < now))
    cookie = secrets.token_urlsafe(32)
    login = LoginSession(
        id_hash=digest(cookie),
        user_id=user.id,
        user=user,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(login)
    session.flush()
    return login, cookie


def find_session(session: Session, cookie: str) -> LoginSession | None:
    """The unexpired session of an enabled user for this cookie value, or None."""
    if not cookie or len(cookie) > 200:
        return None
    login = session.scalar(select(LoginSession).where(LoginSession.id_hash == digest(cookie)))
    if login is None or clock.aware(login.expires_at) <= clock.now() or login.user.disabled:
        return None
    return login


def end_session(session: Session, cookie: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.id_hash == digest(cookie)))
