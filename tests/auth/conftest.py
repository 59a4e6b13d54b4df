"""An app over each test database, and real identities in it: sessions, tokens, revoked and expired ones."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.auth import sessions, tokens, users
from copilot.store import Store, clock
from tests.conftest import make_settings, make_user


@dataclass(frozen=True)
class Caller:
    """One way of calling the API: which headers it sends, and what it is (role None: no valid login)."""

    label: str
    role: str | None
    via: str  # session / token / anonymous
    headers: dict[str, str] = field(default_factory=dict)


def session_headers(store: Store, name: str, *, expired: bool = False) -> dict[str, str]:
    """A real login session's cookie and CSRF header; `expired` moves its expiry into the past."""
    with store.begin() as session:
        login, cookie = sessions.start_session(session, user=users.get_user(session, name), hours=12)
        if expired:
            login.expires_at = clock.now() - timedelta(minutes=1)
        csrf = login.csrf_token
    return {"Cookie": f"{sessions.COOKIE}={cookie}", "X-CSRF-Token": csrf}


def token_headers(store: Store, name: str, *, revoked: bool = False) -> dict[str, str]:
    with store.begin() as session:
        token, secret = tokens.create_token(session, user=users.get_user(session, name), label="test")
        if revoked:
            tokens.revoke_token(session, token_id=token.id)
    return {"Authorization": f"Bearer {secret}"}


def make_callers(store: Store) -> list[Caller]:
    """Anonymous; an agent, a lead and an admin by session and by token; a revoked token; an expired session."""
    callers = [Caller("anonymous", None, "anonymous")]
    for role in ("agent", "lead", "admin"):
        callers.append(Caller(f"{role} (session)", role, "session", session_headers(store, role)))
        callers.append(Caller(f"{role} (token)", role, "token", token_headers(store, role)))
    # Both belong to the admin, so only the revocation or the expiry can explain a refusal.
    callers.append(Caller("revoked token", None, "token", token_headers(store, "admin", revoked=True)))
    callers.append(Caller("expired session", None, "session", session_headers(store, "admin", expired=True)))
    return callers


def app_client(tmp_path: Path, database_url: str, phrasebank_dir: Path, **settings: object) -> TestClient:
    return TestClient(
        create_app(make_settings(tmp_path, database_url=database_url, phrasebank_dir=phrasebank_dir, **settings))
    )


@pytest.fixture
def api(tmp_path: Path, database_url: str, phrasebank_dir: Path) -> Iterator[TestClient]:
    """An app on a fresh database with one user per role (agent, lead, admin; password tests.conftest.PASSWORD)."""
    with app_client(tmp_path, database_url, phrasebank_dir) as client:
        for role in ("agent", "lead", "admin"):
            make_user(client.app.state.services.store, role, role)  # type: ignore[attr-defined]
        yield client
