"""Account failures, each with a stable code and a Chinese message (AppErrors, so the API and the CLI report them)."""

from __future__ import annotations

from copilot.errors import AppError, Conflict, NotFound


class InvalidAccount(AppError):
    """A name, role or password we do not accept."""

    code = "invalid_account"
    status = 422


class UserNotFound(NotFound):
    code = "user_not_found"
    template = "没有名为 {key} 的用户"
    field = "name"


class UserExists(Conflict):
    code = "user_exists"

    def __init__(self, name: str) -> None:
        super().__init__(f"用户名 {name} 已被使用", {"name": name})


class LastAdmin(Conflict):
    """The change would leave nobody able to manage users."""

    code = "last_admin"

    def __init__(self) -> None:
        super().__init__("至少要保留一个未停用的管理员(admin)账号")


class TokenNotFound(NotFound):
    code = "token_not_found"
    template = "没有编号为 {key} 的令牌"
