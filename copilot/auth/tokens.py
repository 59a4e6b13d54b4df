"""API tokens: `kc_` + 256 random bits, shown once, stored as sha256 (high entropy needs no slow hash)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from copilot.auth.errors import InvalidAccount, TokenNotFound
from copilot.auth.models import ApiToken, User
from copilot.store import clock

PREFIX = "kc_"
MAX_LABEL_CHARS = 60
# last_used_at is written at most this often per token, so a busy integration does not write on every call.
_TOUCH_EVERY = timedelta(seconds=60)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", errors="surrogatepass")).hexdigest()


def public(token: ApiToken) -> dict[str, Any]:
    """A token as listed: never the secret, which nobody can see again after creation."""
    return {
        "id": token.id,
        "user": token.user.name,
        "label": token.label,
        "created_at": clock.iso(token.created_at),
        "last_used_at": clock.iso(token.last_used_at),
        "revoked_at": clock.iso(token.revoked_at),
    }


def create_token(session: Session, *, user: User, label: str | None = None) -> tuple[ApiToken, str]:
    """A new token for the user, and its secret (the only time the secret exists outside the caller)."""
    if label is not None and len(label) > MAX_LABEL_CHARS:
        raise InvalidAccount(f"令牌备注不能超过 {MAX_LABEL_CHARS} 个字符", {"field": "label"})
    if label is not None and any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in label):
        raise InvalidAccount("令牌备注包含无效的字符", {"field": "label"})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, user=user, label=label or None, token_hash=digest(secret), created_at=clock.now())
    session.add(token)
    session.flush()
    return token, secret


def authenticate(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, its user not disabled), or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or token.user.disabled:
        return None
    return token


def touch(session: Session, token: ApiToken) -> None:
    """Record that the token was used, at most once a minute (a busy integration should not write per call)."""
    now = clock.now()
    if token.last_used_at is None or now - clock.aware(token.last_used_at) > _TOUCH_EVERY:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def list_tokens(session: Session, *, user: User | None = None) -> list[ApiToken]:
    """Every token of the user, or of everybody when user is None; newest first."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def revoke_token(session: Session, *, token_id: int, owner: User | None = None) -> ApiToken:
    """Revoke a token (of `owner` only, unless None); revoking twice keeps the first time."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise TokenNotFound(token_id)  # someone else's token reads as missing: ids reveal nothing
    if token.revoked_at is None:
        token.revoked_at = clock.now()
    session.flush()
    return token
