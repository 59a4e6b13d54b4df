"""What routes declare in OpenAPI besides their success: the error shape as a model, and which statuses they may answer.

The declarations are what schema-conformance checks (tests/api/test_schemathesis.py) hold the routes to, so a
route lists every error status it can answer — including those its dependencies raise (login, role, database).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """{"error": {"code", "message", "details"}}: the one error shape (copilot/api/errors.py error_body)."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


_WHY = {
    400: "请求体无法解析(不是合法的 JSON、编码错误或嵌套过深)",
    401: "需要登录或有效的令牌",
    403: "角色权限不足,或用 Cookie 登录的修改请求缺少 X-CSRF-Token",
    404: "要找的对象不存在",
    409: "与已保存的内容冲突(版本已变、ID 或快捷编码已被占用、默认规则只读)",
    413: "文本、请求体或文件过大",
    422: "请求参数或内容有误(details 列出字段与原因)",
    429: "尝试次数过多,Retry-After 说明何时再试",
    503: "数据库暂时不可用,Retry-After 说明何时再试",
}

# What most routes share: any request may carry a body too big or malformed (the body limits answer first),
# and any route that reads or writes the store answers 503 while the database is unreachable.
BODY = (400, 413, 422)
# Lint, suggest and the reads: 401 only with COPILOT_REQUIRE_LOGIN=true, 403 a cookie write without its CSRF token.
READER = (401, 403)
ROLE = (401, 403)  # routes for a role: nobody logged in, or a role too low
STORE = (503,)


def errors(*statuses: int | tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with the error model and a Chinese description."""
    flat = sorted({s for item in statuses for s in (item if isinstance(item, tuple) else (item,))})
    return {status: {"model": ErrorBody, "description": _WHY[status]} for status in flat}


def content(*media_types: str, description: str = "成功") -> dict[str, Any]:
    """A success response's media types for routes that answer a file or text rather than JSON."""
    return {"description": description, "content": {media_type: {} for media_type in media_types}}
