"""uvicorn's httptools protocol with a deadline on request headers and a cap on their size.

uvicorn times out idle kept-alive connections, but not a request whose headers trickle in (slowloris:
a byte every few seconds holds a connection and a file descriptor forever), and with httptools it
collects headers without any size limit. Here a timer starts when a connection opens or a request's
first byte arrives and is cancelled when its headers are complete; if it fires, or the headers grow
past COPILOT_MAX_HEADER_BYTES, the client gets a short Chinese answer and the connection is closed (as
it does for a request httptools cannot parse, which uvicorn answers in English).
`serve` selects this class with uvicorn's `http=` option.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from copilot.api.errors import error_body
from copilot.config import get_settings


def _response(status: str, code: str, message: str) -> bytes:
    body = json.dumps(error_body(code, message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol plus the header deadline and size cap (settings read once per connection)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.header_timeout = settings.header_timeout_seconds
        self.max_header_bytes = settings.max_header_bytes
        self.header_timer: asyncio.TimerHandle | None = None
        self.header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.header_timer is not None:  # still inside a request line and headers
            self.header_bytes += len(data)
            if self.header_bytes > self.max_header_bytes:
                limit = f"{self.max_header_bytes // 1024} KiB"
                self._refuse("431 Request Header Fields Too Large", "headers_too_large", f"请求头过大，上限 {limit}")

    def send_400_response(self, msg: str) -> None:
        """A request httptools cannot parse: uvicorn's answer is English plain text, ours is the usual shape."""
        self._cancel_header_timer()
        self.transport.write(_response("400 Bad Request", "invalid_http", "请求格式有误，无法按 HTTP/1.1 解析"))
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.header_bytes = 0
        if self.header_timer is None:  # a kept-alive connection's next request
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def _arm_header_timer(self) -> None:
        self.header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _headers_too_slow(self) -> None:
        self.header_timer = None
        seconds = f"{self.header_timeout:g}"
        self._refuse("408 Request Timeout", "request_timeout", f"请求头在 {seconds} 秒内未发送完整，连接已关闭")

    def _refuse(self, status: str, code: str, message: str) -> None:
        """Answer and close; while an earlier request on this connection is still being answered
        (pipelining), just close, so our answer never lands in the middle of its response."""
        self._cancel_header_timer()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_response(status, code, message))
        self.transport.close()
