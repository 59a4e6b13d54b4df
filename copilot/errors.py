"""The one shape of an expected failure, wherever it is raised: a stable `code`, the HTTP `status` the API
answers with, a Chinese `message` people can act on and `details` for programs (copilot/api/errors.py turns
every AppError into {"error": {"code", "message", "details"}}; the CLI prints the message)."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base class; subclasses set `code` and `status`, or pass their own (see copilot.api.errors.ApiError)."""

    code = "error"
    status = 400
    headers: dict[str, str] | None = None  # extra response headers (Retry-After, WWW-Authenticate)

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message, self.details = message, details


class NotFound(AppError):
    """Nothing is stored under the key: `template` words it ({key}), `field` names the key in details."""

    status = 404
    template = "没有编号为 {key} 的记录"
    field = "id"

    def __init__(self, key: object) -> None:
        super().__init__(self.template.format(key=key), {self.field: key})


class Conflict(AppError):
    """The change clashes with what is stored (a stale version, a taken id, name or shortcut)."""

    code = "conflict"
    status = 409
