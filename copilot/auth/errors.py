"""Account failures, each with a stable code and a Chinese message (StoreErrors, so the CLI reports them too)."""

from __future__ import annotations

from copilot.store.errors import Conflict, StoreError


class InvalidAccount(StoreError):
    """A name, role or password we do not accept."""

    code = "invalid_account"
    status = 422


class UserNotFound(StoreError):
    code = "user_not_found"
    status = 404

    def __init__(self, name: str) -> None:
        super().__init__(f"没有名为 {name} 的用户", {"name": name})


class UserExists(Conflict):
    code = "user_exists"

    def __init__(self, name: str) -> None:
        super().__init__(f"用户名 {name} 已被使用", {"name": name})


class LastAdmin(Conflict):
    """The change would leave nobody able to manage users."""

    code = "last_admin"

    def __init__(self) -> None:
        super().__init__("至少要保留一个未停用的管理员(admin)账号")


class TokenNotFound(StoreError):
    code = "token_not_found"
    status = 404

    def __init__(self, token_id: int) -> None:
        super().__init__(f"没有编号为 {token_id} 的令牌", {"id": token_id})
