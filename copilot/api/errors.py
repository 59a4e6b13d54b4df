"""One error shape for every route: {"error": {"code", "message", "details"}} with a Chinese message."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from copilot.store.errors import StoreError
from copilot.store.health import DatabaseUnavailable, is_unavailable

_REASONS = {
    "missing": "缺少必填字段",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "list_type": "应为列表",
    "bool_type": "应为 true 或 false",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "extra_forbidden": "未知字段",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_too_long": "文本过长",
    "string_unicode": "包含无效的字符(单独的代理项)",
}


class ApiError(Exception):
    """An expected failure with a status, a stable code and a Chinese message for the user."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def describe_request_errors(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    details = []
    for item in errors:
        loc = item["loc"][1:] if item["loc"][:1] == ("body",) else item["loc"]  # a field may be named body too
        where = ".".join(str(part) for part in loc) or "请求体"
        reason = _REASONS.get(item["type"], item["msg"])
        if item["type"] in ("literal_error", "enum"):
            reason += f"(可选: {item.get('ctx', {}).get('expected', '')})"
        details.append({"field": where, "reason": reason})
    message = ";".join(f"{d['field']}: {d['reason']}" for d in details)
    return f"请求有误 — {message}", details


def database_unavailable(request: Request, exc: BaseException) -> JSONResponse:
    """503 database_unavailable with Retry-After; the outage is logged once, not per request."""
    request.app.state.store.outage.failure(exc)
    retry_after = request.app.state.settings.db_retry_after
    message = exc.message if isinstance(exc, DatabaseUnavailable) else DatabaseUnavailable().message
    return JSONResponse(error_body("database_unavailable", f"{message},请约 {retry_after} 秒后重试",
                                   {"retry_after": retry_after}),
                        status_code=503, headers={"Retry-After": str(retry_after)})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StoreError)
    async def _store_error(_: Request, exc: StoreError) -> JSONResponse:
        # Every store failure carries its status, code and Chinese message: routes just let it rise.
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, details = describe_request_errors(list(exc.errors()))
        return JSONResponse(error_body("invalid_request", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "没有这个地址", 405: "这个地址不支持该请求方法"}
        message = messages.get(exc.status_code, str(exc.detail))
        return JSONResponse(error_body(f"http_{exc.status_code}", message), status_code=exc.status_code)

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if not is_unavailable(exc):
            raise exc  # a wrong query is a bug: the last-resort handler answers 500 and it is logged
        return database_unavailable(request, exc)

    app.add_exception_handler(DatabaseUnavailable, _database)
    app.add_exception_handler(SQLAlchemyError, _database)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        return JSONResponse(error_body("internal", "服务内部错误,请稍后重试"), status_code=500)
