"""Request bodies refused before any parsing: too large (413), and JSON bodies that are not UTF-8 or nest
too deep (400); a pure ASGI middleware, so a refused body is never buffered past its limit.

A Content-Length over the limit is answered at once, without reading a byte of the body; a chunked body
is counted as it streams and reading stops at the limit. Either way the connection is closed after the
413 (`Connection: close`), so the rest of the body is never read either.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot.api.errors import error_body
from copilot.api.jsoncheck import describe_utf8_error, nesting_exceeds

# Routes that take a phrasebank file (multipart): the import limit, not the JSON one, applies there.
UPLOAD_PATHS = ("/v1/phrases/import",)
# Routes that take a chat log (multipart): COPILOT_LEARN_MAX_UPLOAD_BYTES applies there.
CHATLOG_PATHS = ("/v1/learn/chatlogs",)
# A multipart body is the file plus its part headers and boundaries.
_MULTIPART_ENVELOPE = 64 * 1024


class BodyTooLarge(Exception):
    """Raised into the app when a streamed body passes its limit (the 413 is already on its way)."""


def size_words(limit: int) -> str:
    """A byte limit as people read it: 64 MiB, 64 KiB, else in bytes (字节)."""
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} 字节"


async def send_error(send: Send, status: int, code: str, message: str, close: bool = False) -> None:
    """One ApiError-shaped JSON response, straight onto the ASGI channel."""
    body = json.dumps(error_body(code, message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class BodyLimits:
    """The middleware: per request, the size limit for its route, then the JSON checks for JSON bodies."""

    def __init__(
        self,
        app: ASGIApp,
        max_json_bytes: int,
        max_import_bytes: int,
        json_max_depth: int,
        max_chatlog_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_import_bytes = max_import_bytes
        self.max_chatlog_bytes = max_chatlog_bytes if max_chatlog_bytes is not None else max_import_bytes
        self.json_max_depth = json_max_depth

    def limit_for(self, scope: Scope) -> tuple[int, str]:
        """The byte limit for this request, and how the 413 names it."""
        if scope["path"] in UPLOAD_PATHS:
            return self.max_import_bytes + _MULTIPART_ENVELOPE, f"导入文件上限 {size_words(self.max_import_bytes)}"
        if scope["path"] in CHATLOG_PATHS:
            limit = self.max_chatlog_bytes
            return limit + _MULTIPART_ENVELOPE, f"聊天记录文件上限 {size_words(limit)}"
        return self.max_json_bytes, f"请求体上限 {size_words(self.max_json_bytes)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, words = self.limit_for(scope)
        too_large = f"请求体过大，{words}"
        length = _header(scope, b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > limit:
            await send_error(send, 413, "body_too_large", f"{too_large}（本次 {int(length)} 字节）", close=True)
            return
        if _is_json(_header(scope, b"content-type")):
            await self._json(scope, receive, send, limit, too_large)
            return
        await self._streamed(scope, receive, send, limit, too_large)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int, too_large: str) -> None:
        """Pass the body through as it arrives, counting; past the limit answer 413 and stop reading."""
        state = {"received": 0, "answered": False, "started": False}

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    if not state["started"]:
                        state["answered"] = True
                        await send_error(send, 413, "body_too_large", too_large, close=True)
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["answered"]:
                return  # the app's own answer to the aborted body (if it caught the error) is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            # Once the 413 is out, whatever the app raised (BodyTooLarge itself, or wrapped by a task
            # group or a parser) is the aborted read, not a fault.
            if not state["answered"]:
                raise

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int, too_large: str) -> None:
        """Read the whole JSON body (at most `limit` bytes), check it, then hand it to the app in one piece."""
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await send_error(send, 413, "body_too_large", too_large, close=True)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        del chunks
        problem = self.json_problem(body)
        if problem is not None:
            await send_error(send, 400, *problem)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body, only a disconnect can come
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def json_problem(self, body: bytes) -> tuple[str, str] | None:
        """(code, message) when a JSON body must be refused before parsing."""
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return "invalid_encoding", f"请求体{describe_utf8_error(exc)}；JSON 应以 UTF-8 编码"
        if nesting_exceeds(body, self.json_max_depth):
            return "json_too_deep", f"请求体的 JSON 嵌套超过 {self.json_max_depth} 层"
        return None


def install_body_limits(
    app: Any, max_json_bytes: int, max_import_bytes: int, json_max_depth: int, max_chatlog_bytes: int | None = None
) -> None:
    """Outermost of our middlewares, so nothing reads a body before its limit is known."""
    app.add_middleware(
        BodyLimits,
        max_json_bytes=max_json_bytes,
        max_import_bytes=max_import_bytes,
        json_max_depth=json_max_depth,
        max_chatlog_bytes=max_chatlog_bytes,
    )
