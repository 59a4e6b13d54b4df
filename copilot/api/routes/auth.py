"""/v1/auth: log in (a session cookie and its CSRF token), log out, and who am I."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from copilot.api.errors import ApiError
from copilot.auth import sessions
from copilot.auth.deps import CSRF_HEADER, Agent, Identity, check_csrf, forget_logins
from copilot.auth.passwords import Passwords
from copilot.auth.ratelimit import LoginLimits
from copilot.auth.users import find_user, get_user
from copilot.store import Store

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def client_ip(request: Request) -> str:
    # uvicorn puts the real address here when it trusts the proxy (--forwarded-allow-ips).
    return request.client.host if request.client else "unknown"


def _wait_in_words(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


def _too_many(seconds: int) -> ApiError:
    return ApiError(429, "too_many_attempts", f"登录失败次数过多,请在 {_wait_in_words(seconds)}后再试",
                    {"retry_after": seconds}, headers={"Retry-After": str(seconds)})


@router.post("/login")
def login(body: LoginRequest, request: Request, response: Response) -> dict[str, Any]:
    """Check name and password; on success set the session cookie and return the user and the CSRF token."""
    state = request.app.state
    store: Store = state.store
    passwords: Passwords = state.passwords
    limits: LoginLimits = state.login_limits
    ip = client_ip(request)
    with store.begin() as session:
        wait = limits.retry_after(session, name=body.name, client_ip=ip)
        user = find_user(session, body.name)
        stored_hash = user.password_hash if user else None
    if wait is not None:
        raise _too_many(wait)  # before the password is looked at: a limited name learns nothing
    # Verified outside any transaction: argon2 takes a while and must not hold a database lock.
    if user is None or not passwords.verify(stored_hash, body.password):
        with store.begin() as session:
            limits.record_failure(session, name=body.name, client_ip=ip)
        raise ApiError(401, "login_failed", "用户名或密码错误")
    if user.disabled:
        raise ApiError(403, "account_disabled", "该账号已停用,请联系管理员")
    with store.begin() as session:
        limits.forget(session, name=body.name)
        user = get_user(session, body.name)
        if stored_hash and passwords.needs_rehash(stored_hash):  # the cost setting went up since
            user.password_hash = passwords.hash(body.password)
        login_session, cookie = sessions.start_session(session, user=user, hours=state.settings.session_hours)
    response.set_cookie(
        sessions.COOKIE, cookie, max_age=int(state.settings.session_hours * 3600), path="/",
        httponly=True, samesite="strict", secure=request.url.scheme == "https",
    )
    return {"user": {"name": user.name, "role": user.role}, "csrf_token": login_session.csrf_token,
            "expires_at": login_session.expires_at.isoformat()}


@router.post("/logout", status_code=204)
def logout(request: Request) -> Response:
    """End this browser's session (a live session must send its CSRF token) and clear the cookie."""
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        with request.app.state.store.begin() as session:
            login = sessions.find_session(session, cookie)
            if login is not None:  # logging somebody out is a write, so another site may not do it
                check_csrf(Identity(login.user.name, login.user.role, "session", login.csrf_token),
                           request.method, request.headers.get(CSRF_HEADER))
            sessions.end_session(session, cookie)
        forget_logins(request, cookie=cookie)
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response


@router.get("/me")
def me(identity: Agent) -> dict[str, Any]:
    """The logged-in user, how they authenticated, and (for a session) the CSRF token for writes."""
    return {"user": {"name": identity.name, "role": identity.role}, "via": identity.via,
            "csrf_token": identity.csrf_token}
