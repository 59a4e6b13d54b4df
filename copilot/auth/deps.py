"""FastAPI dependencies: who is asking (session cookie or bearer token), which role a route needs, CSRF."""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from starlette.requests import HTTPConnection

from copilot.api.errors import ApiError
from copilot.auth import sessions, tokens
from copilot.auth.roles import ROLES, at_least, describe
from copilot.store import Store

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


def identify(store: Store, *, token: str | None, cookie: str | None) -> Identity:
    """The identity behind a bearer token or session cookie; a token that fails is a 401 at once."""
    if token is not None:
        with store.begin() as session:
            found = tokens.authenticate(session, token)
        if found is not None:
            # Its own short write transaction, apart from the read; the timestamp is only informational,
            # so a busy database (SQLite under several workers) must not fail the request over it.
            with contextlib.suppress(OperationalError), store.begin() as session:
                tokens.touch(session, found)
            return Identity(found.user.name, found.user.role, "token")
        raise ApiError(401, "token_invalid", "令牌无效、已撤销或其用户已停用:请重新生成令牌(kefu-copilot token create)",
                       headers=_BEARER_CHALLENGE)
    if cookie:
        with store.begin() as session:
            login = sessions.find_session(session, cookie)
            if login is not None:
                return Identity(login.user.name, login.user.role, "session", csrf_token=login.csrf_token)
        return Identity(None, None, "anonymous", session_expired=True)
    return ANONYMOUS


def check_csrf(identity: Identity, method: str, header: str | None) -> None:
    """A cookie-authenticated write must echo the session's CSRF token, which another site cannot read."""
    if identity.via != "session" or method not in UNSAFE_METHODS or identity.csrf_token is None:
        return
    if header is None or not hmac.compare_digest(header.encode(), identity.csrf_token.encode()):
        raise ApiError(403, "csrf_failed",
                       f"缺少或错误的 {CSRF_HEADER} 请求头:用 Cookie 登录时,修改操作须带上登录"
                       "(POST /v1/auth/login)或 GET /v1/auth/me 返回的 csrf_token")


def current_identity(request: Request) -> Identity:
    """Who is asking (anonymous when nobody logged in); cookie-authenticated writes must pass the CSRF check."""
    cached: Identity | None = getattr(request.state, "identity", None)
    if cached is not None:  # a route with several auth dependencies looks the caller up once
        return cached
    identity = identify(request.app.state.store, token=bearer(request.headers.get("authorization")),
                        cookie=request.cookies.get(sessions.COOKIE))
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
        raise ApiError(403, "role_required", f"需要{describe(needed)}或更高的角色,您当前是{describe(identity.role)}",
                       {"needed": needed, "role": identity.role})
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
    if not request.app.state.settings.require_login:
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
    offered = [p.removeprefix(_TOKEN_SUBPROTOCOL) for p in offered_subprotocols(connection)
               if p.startswith(_TOKEN_SUBPROTOCOL)]
    token = (bearer(connection.headers.get("authorization")) or next(iter(offered), None)
             or connection.query_params.get("token") or None)
    return identify(connection.app.state.store, token=token, cookie=connection.cookies.get(sessions.COOKIE))


Reader = Annotated[Identity, Depends(require_reader)]
Agent = Annotated[Identity, Depends(require_role("agent"))]
Lead = Annotated[Identity, Depends(require_role("lead"))]
Admin = Annotated[Identity, Depends(require_role("admin"))]
