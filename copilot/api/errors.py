"""One error shape for every route: {"error": {"code", "message", "details"}} with a Chinese message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from copilot.api.jsoncheck import DECODE_ERRORS
from copilot.errors import AppError
from copilot.store.health import DatabaseUnavailable, is_unavailable
from copilot.validation_zh import is_chinese, reason

_HTTP_MESSAGES = {
    400: "请求有误，无法解析请求体",
    401: "需要登录",
    403: "没有权限",
    404: "没有这个地址",
    405: "这个地址不支持该请求方法",
    413: "请求体过大",
    415: "不支持的请求体类型",
}


class ApiError(AppError):
    """An AppError a route raises on the spot, with its status and code given (and any response headers)."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, details)
        self.status, self.code, self.headers = status, code, headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def _reason(item: Mapping[str, Any]) -> str:
    """Why one field failed, in Chinese: pydantic's English never reaches a user."""
    if item["type"] == "json_invalid":
        error = item.get("ctx", {}).get("error", "")
        return f"不是合法的 JSON：{DECODE_ERRORS.get(error, '格式有误')}"
    return reason(item)


def describe_request_errors(errors: Sequence[Mapping[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for item in errors:
        loc = item["loc"][1:] if item["loc"][:1] == ("body",) else item["loc"]  # a field may be named body too
        why = _reason(item)
        if item["type"] == "json_invalid":  # its loc is ("body", character position), not a field
            where = "请求体"
            if len(loc) == 1 and isinstance(loc[0], int):
                why += f"（第 {loc[0] + 1} 个字符）"
        else:
            where = ".".join(str(part) for part in loc) or "请求体"
        details.append({"field": where, "reason": why})
    message = ";".join(f"{d['field']}: {d['reason']}" for d in details)
    return f"请求有误 — {message}", details


def _body_not_json(request: Request, errors: list[dict[str, Any]]) -> bool:
    """A JSON route got a body it never parsed because the Content-Type was not JSON (FastAPI passes the
    raw bytes on, and they fail as "not an object")."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return False
    return any(e["loc"] == ("body",) and isinstance(e.get("input"), bytes) for e in errors)


def database_unavailable(request: Request, exc: BaseException) -> JSONResponse:
    """503 database_unavailable with Retry-After; the outage is logged once, not per request."""
    services = request.app.state.services
    services.store.outage.failure(exc)
    retry_after = services.settings.db_retry_after
    message = exc.message if isinstance(exc, DatabaseUnavailable) else DatabaseUnavailable().message
    return JSONResponse(
        error_body("database_unavailable", f"{message},请约 {retry_after} 秒后重试", {"retry_after": retry_after}),
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        # Every expected failure carries its status, code and Chinese message: routes just let it rise.
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if _body_not_json(request, errors):
            sent = request.headers.get("content-type")
            got = f"收到的是 {sent}" if sent else "请求未设置 Content-Type"
            message = f"请求体应为 JSON，请设置 Content-Type: application/json（{got}）"
            return JSONResponse(error_body("unsupported_media_type", message), status_code=415)
        message, details = describe_request_errors(errors)
        return JSONResponse(error_body("invalid_request", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's and FastAPI's details are English ("There was an error parsing the body"): unless
        # a detail is already Chinese, only the status speaks to the user.
        detail = str(exc.detail)
        fallback = _HTTP_MESSAGES.get(exc.status_code, f"请求未能完成（HTTP {exc.status_code}）")
        message = detail if is_chinese(detail) else fallback
        return JSONResponse(
            error_body(f"http_{exc.status_code}", message),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if not is_unavailable(exc):
            raise exc  # a wrong query is a bug: the last-resort handler answers 500 and it is logged
        return database_unavailable(request, exc)

    app.add_exception_handler(DatabaseUnavailable, _database)
    app.add_exception_handler(SQLAlchemyError, _database)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        return JSONResponse(error_body("internal", "服务内部错误,请稍后重试"), status_code=500)
