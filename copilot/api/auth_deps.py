"""FastAPI dependencies of logins: who is asking (session cookie or bearer token), which role a route needs, CSRF.

(The accounts, sessions and tokens themselves are copilot/auth's, which knows nothing of HTTP.)"""

from __future__ import annotations

import contextlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from starlette.requests import HTTPConnection

from copilot.api.deps import services_of
from copilot.api.errors import ApiError
from copilot.auth import sessions, tokens
from copilot.auth.cache import VerifiedCache
from copilot.auth.roles import ROLES, at_least, describe
from copilot.store import Store
from copilot.store.health import DatabaseUnavailable, is_unavailable

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
HOW_TO_LOG_IN = (
    "请先登录:在浏览器中登录(POST /v1/auth/login),"
    "或在 Authorization 头中使用 Bearer <令牌>(令牌由 kefu-copilot token create 生成)"
)
_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="kefu-copilot"'}


@dataclass(frozen=True)
class Identity:
    """Who made a request: a user through a session or token, or nobody."""

    name: str | None
    role: str | None
    via: Literal["session", "token", "anonymous"]
    csrf_token: str | None = None
    session_expired: bool = False  # a session cookie came but no live session matched it


ANONYMOUS = Identity(None, None, "anonymous")


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


IdentityCache = VerifiedCache[Identity]


def token_key(secret: str) -> str:
    return "token:" + tokens.digest(secret)


def session_key(cookie: str) -> str:
    return "session:" + tokens.digest(cookie)


def identify(store: Store, *, token: str | None, cookie: str | None, cache: IdentityCache | None = None) -> Identity:
    """The identity behind a bearer token or session cookie; a token that fails is a 401 at once.

    Raises DatabaseUnavailable when the database cannot say and this worker has not verified the secret
    shortly before (copilot/auth/cache.py)."""
    if token is None and not cookie:
        return ANONYMOUS
    key = token_key(token) if token is not None else session_key(cookie or "")
    outage = store.outage
    if outage.since is not None:  # known to be down: this request does not wait on it too
        if cache is not None and (known := cache.get_during_outage(key, outage.since)) is not None:
            return known
        # The background refresh keeps asking the database and ends the outage as soon as it answers.
        raise DatabaseUnavailable("数据库暂时无法访问,无法验证登录")
    try:
        return _look_up(store, cache, key, token=token, cookie=cookie)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        outage.failure(exc, request=False)
        since = outage.since if outage.since is not None else time.monotonic()
        if cache is not None and (known := cache.get_during_outage(key, since)) is not None:
            return known
        raise DatabaseUnavailable("数据库暂时无法访问,无法验证登录") from exc


def _look_up(store: Store, cache: IdentityCache | None, key: str, *, token: str | None, cookie: str | None) -> Identity:
    if token is not None:
        with store.read() as session:
            found = tokens.authenticate(session, token)
        if found is not None:
            # Its own short write transaction, apart from the read; the timestamp is only informational,
            # so a busy database (SQLite under several workers) must not fail the request over it.
            with contextlib.suppress(OperationalError, DatabaseUnavailable), store.begin() as session:
                tokens.touch(session, found)
            identity = Identity(found.user.name, found.user.role, "token")
            if cache is not None:
                cache.put(key, identity, user=found.user.name, token_id=found.id)
            return identity
        raise ApiError(
            401,
            "token_invalid",
            "令牌无效、已撤销或其用户已停用:请重新生成令牌(kefu-copilot token create)",
            headers=_BEARER_CHALLENGE,
        )
    with store.read() as session:
        login = sessions.find_session(session, cookie or "")
        if login is not None:
            identity = Identity(login.user.name, login.user.role, "session", csrf_token=login.csrf_token)
            if cache is not None:
                cache.put(key, identity, user=login.user.name, expires_at=login.expires_at)
            return identity
    return Identity(None, None, "anonymous", session_expired=True)


def auth_cache(connection: HTTPConnection) -> IdentityCache:
    """This worker's cache of verified sessions and tokens."""
    return services_of(connection).auth_cache


def forget_logins(
    connection: HTTPConnection, *, user: str | None = None, token_id: int | None = None, cookie: str | None = None
) -> None:
    """Drop cached logins after a logout, revocation or account change (this worker; others within the TTL)."""
    cache = auth_cache(connection)
    if user is not None:
        cache.forget_user(user)
    if token_id is not None:
        cache.forget_token(token_id)
    if cookie:
        cache.forget(session_key(cookie))


def check_csrf(identity: Identity, method: str, header: str | None) -> None:
    """A cookie-authenticated write must echo the session's CSRF token, which another site cannot read."""
    if identity.via != "session" or method not in UNSAFE_METHODS or identity.csrf_token is None:
        return
    if header is None or not hmac.compare_digest(header.encode(), identity.csrf_token.encode()):
        raise ApiError(
            403,
            "csrf_failed",
            f"缺少或错误的 {CSRF_HEADER} 请求头:用 Cookie 登录时,修改操作须带上登录"
            "(POST /v1/auth/login)或 GET /v1/auth/me 返回的 csrf_token",
        )


def current_identity(request: Request) -> Identity:
    """Who is asking (anonymous when nobody logged in); cookie-authenticated writes must pass the CSRF check."""
    cached: Identity | None = getattr(request.state, "identity", None)
    if cached is not None:  # a route with several auth dependencies looks the caller up once
        return cached
    identity = identify(
        services_of(request).store,
        token=bearer(request.headers.get("authorization")),
        cookie=request.cookies.get(sessions.COOKIE),
        cache=auth_cache(request),
    )
    check_csrf(identity, request.method, request.headers.get(CSRF_HEADER))
    request.state.identity = identity
    return identity


def refuse_unless(identity: Identity, needed: str) -> Identity:
    """The identity if its role is at least `needed`; else 401 (nobody logged in) or 403 (role too low)."""
    if identity.role is None:
        if identity.session_expired:
            raise ApiError(401, "session_expired", "登录已过期或已退出,请重新登录", headers=_BEARER_CHALLENGE)
        raise ApiError(401, "login_required", HOW_TO_LOG_IN, headers=_BEARER_CHALLENGE)
    if not at_least(identity.role, needed):
        raise ApiError(
            403,
            "role_required",
            f"需要{describe(needed)}或更高的角色,您当前是{describe(identity.role)}",
            {"needed": needed, "role": identity.role},
        )
    return identity


def require_role(needed: str) -> Callable[[Request], Identity]:
    """A dependency admitting `needed` and the roles above it."""
    assert needed in ROLES, needed

    def dependency(request: Request) -> Identity:
        return refuse_unless(current_identity(request), needed)

    dependency.__name__ = f"require_{needed}"
    return dependency


def require_reader(request: Request) -> Identity:
    """Reads and lint: open to anyone, or to agents and up when COPILOT_REQUIRE_LOGIN=true."""
    if not services_of(request).settings.require_login:
        return ANONYMOUS  # nothing is looked up, so an open install pays nothing per request
    return refuse_unless(current_identity(request), "agent")


SUBPROTOCOL = "kefu-copilot"
# A browser cannot set Authorization on a WebSocket; it can offer subprotocols, which (unlike ?token=) no
# access log or proxy log records: ["kefu-copilot", "token.kc_…"], answered with "kefu-copilot".
_TOKEN_SUBPROTOCOL = "token."


def offered_subprotocols(connection: HTTPConnection) -> list[str]:
    header = ",".join(connection.headers.getlist("sec-websocket-protocol"))
    return [part.strip() for part in header.split(",") if part.strip()]


def identify_connection(connection: HTTPConnection) -> Identity:
    """The identity of a WebSocket handshake: Authorization header, a `token.<令牌>` subprotocol, ?token=
    (older clients; masked in the log), or the session cookie."""
    offered = [
        p.removeprefix(_TOKEN_SUBPROTOCOL) for p in offered_subprotocols(connection) if p.startswith(_TOKEN_SUBPROTOCOL)
    ]
    token = (
        bearer(connection.headers.get("authorization"))
        or next(iter(offered), None)
        or connection.query_params.get("token")
        or None
    )
    return identify(
        services_of(connection).store,
        token=token,
        cookie=connection.cookies.get(sessions.COOKIE),
        cache=auth_cache(connection),
    )


Agent = Annotated[Identity, Depends(require_role("agent"))]
Lead = Annotated[Identity, Depends(require_role("lead"))]
Admin = Annotated[Identity, Depends(require_role("admin"))]
