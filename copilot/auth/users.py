"""User accounts: create, read, list, change and delete, in the caller's transaction."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from copilot.auth.errors import InvalidAccount, LastAdmin, UserExists, UserNotFound
from copilot.auth.models import ApiToken, LoginSession, User
from copilot.auth.roles import ROLES
from copilot.store import clock

# Letters (Chinese too), digits, dot, dash and underscore: safe in a shell, a URL and a log line.
_NAME = re.compile(r"[\w.\-]{1,32}")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidAccount("用户名应为 1–32 个字符,只能包含字母、汉字、数字、点、减号和下划线", {"field": "name"})
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidAccount(f"角色 {role!r} 不存在,可选: {'、'.join(ROLES)}", {"field": "role"})
    return role


def public(user: User) -> dict[str, Any]:
    """A user as the API shows it (never the hash)."""
    return {"name": user.name, "role": user.role, "disabled": user.disabled, "created_at": clock.iso(user.created_at)}


def find_user(session: Session, name: str) -> User | None:
    if not _NAME.fullmatch(name):  # no such user can exist; and NUL would not even reach PostgreSQL
        return None
    return session.scalar(select(User).where(User.name == name))


def get_user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise UserNotFound(name)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def create_user(session: Session, *, name: str, role: str, password_hash: str) -> User:
    check_name(name)
    check_role(role)
    if find_user(session, name) is not None:
        raise UserExists(name)
    user = User(name=name, role=role, password_hash=password_hash, disabled=False, created_at=clock.now())
    session.add(user)
    session.flush()
    return user


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere (after a password change, a demotion or disabling)."""
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def _keeps_an_admin(session: Session, user: User) -> None:
    others = session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.disabled.is_(False), User.id != user.id)
    )
    if not others:
        raise LastAdmin()


def update_user(
    session: Session,
    *,
    name: str,
    role: str | None = None,
    password_hash: str | None = None,
    disabled: bool | None = None,
) -> User:
    """Change role, password or disabled; sessions end when any of them changes."""
    user = get_user(session, name)
    if role is not None:
        check_role(role)
    losing_admin = (
        user.role == "admin" and not user.disabled and ((role is not None and role != "admin") or disabled is True)
    )
    if losing_admin:
        _keeps_an_admin(session, user)
    changed = False
    if role is not None and role != user.role:
        user.role, changed = role, True
    if password_hash is not None:
        user.password_hash, changed = password_hash, True
    if disabled is not None and disabled != user.disabled:
        user.disabled, changed = disabled, True
    if changed:
        end_sessions(session, user)
    session.flush()
    return user


def delete_user(session: Session, *, name: str) -> None:
    """Remove a user with their tokens and sessions (explicitly: SQLite may run without cascades)."""
    user = get_user(session, name)
    if user.role == "admin" and not user.disabled:
        _keeps_an_admin(session, user)
    end_sessions(session, user)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.delete(user)
    session.flush()
