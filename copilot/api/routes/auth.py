"""/v1/auth: log in (a session cookie and its CSRF token), log out, and who am I."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from copilot.api.auth_deps import CSRF_HEADER, Agent, Identity, check_csrf, forget_logins
from copilot.api.client import came_over_tls, client_ip
from copilot.api.deps import LoginLimitsDep, PasswordsDep, SettingsDep, StoreDep
from copilot.api.errors import ApiError
from copilot.api.models import LoginAnswer, MeAnswer, answers
from copilot.api.responses import BODY, STORE, errors
from copilot.auth import sessions
from copilot.auth.users import find_user, get_user
from copilot.store import clock

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=errors(STORE))


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def _wait_in_words(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


def _too_many(seconds: int) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        f"登录失败次数过多,请在 {_wait_in_words(seconds)}后再试",
        {"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )


@router.post("/login", **answers(LoginAnswer), responses=errors(BODY, 401, 403, 429))
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    store: StoreDep,
    passwords: PasswordsDep,
    limits: LoginLimitsDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Check name and password; on success set the session cookie and return the user and the CSRF token."""
    admission = limits.admit(store, name=body.name, client_ip=client_ip(request))
    if admission.retry_after is not None:
        raise _too_many(admission.retry_after)  # before the password is looked at: a limited name learns nothing
    with store.begin() as session:
        user = find_user(session, body.name)
        stored_hash = user.password_hash if user else None
    # Verified outside any transaction: argon2 takes a while and must not hold a database lock. An unknown
    # name is verified too (against a decoy hash), so the answer's timing does not tell which names exist.
    if not passwords.verify(stored_hash, body.password) or user is None:
        raise ApiError(401, "login_failed", "用户名或密码错误")  # the counted attempt stays: it is the failure
    if user.disabled:
        with store.begin() as session:
            limits.take_back(session, admission)
        raise ApiError(403, "account_disabled", "该账号已停用,请联系管理员")
    with store.begin() as session:
        limits.forget(session, name=body.name)
        user = get_user(session, body.name)
        if stored_hash and passwords.needs_rehash(stored_hash):  # the cost setting went up since
            user.password_hash = passwords.hash(body.password)
        login_session, cookie = sessions.start_session(session, user=user, hours=settings.session_hours)
    response.set_cookie(
        sessions.COOKIE,
        cookie,
        max_age=int(settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=came_over_tls(request),
    )
    return {
        "user": {"name": user.name, "role": user.role},
        "csrf_token": login_session.csrf_token,
        "expires_at": clock.iso(login_session.expires_at),
    }


@router.post("/logout", status_code=204, responses=errors(403))
def logout(request: Request, store: StoreDep) -> Response:
    """End this browser's session (a live session must send its CSRF token) and clear the cookie."""
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        with store.begin() as session:
            login = sessions.find_session(session, cookie)
            if login is not None:  # logging somebody out is a write, so another site may not do it
                check_csrf(
                    Identity(login.user.name, login.user.role, "session", login.csrf_token),
                    request.method,
                    request.headers.get(CSRF_HEADER),
                )
            sessions.end_session(session, cookie)
        forget_logins(request, cookie=cookie)
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict", secure=came_over_tls(request))
    return response


@router.get("/me", **answers(MeAnswer), responses=errors(401))
def me(identity: Agent) -> dict[str, Any]:
    """The logged-in user, how they authenticated, and (for a session) the CSRF token for writes."""
    return {
        "user": {"name": identity.name, "role": identity.role},
        "via": identity.via,
        "csrf_token": identity.csrf_token,
    }
