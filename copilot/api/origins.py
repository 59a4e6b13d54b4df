"""Which web pages may use the service: the page's own origin, and COPILOT_ALLOWED_ORIGINS.

A WebSocket handshake from any other page's origin is refused with 403 before the app sees it (a browser
sends cookies with a cross-site handshake, so this is what stops another site from driving a sidebar).
Requests without an Origin come from programs, not pages, and pass. The same list answers CORS: an
allowed origin's preflight gets 204 and its requests get Access-Control-Allow-Origin — without
credentials, so a page there calls lint and suggest with its own bearer token, never our cookie.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot.api.errors import error_body

_DEFAULT_PORTS = {"http": 80, "https": 443}
_CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
_CORS_HEADERS = {"authorization", "content-type", "x-csrf-token", "accept", "accept-language", "content-language"}
_PREFLIGHT_MAX_AGE = "600"


def _netloc(scheme: str, netloc: str) -> str:
    """host[:port] lower-cased, without the scheme's default port (a Host header may or may not carry it)."""
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        return netloc.lower()
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


def same_origin(origin: str, host: str | None) -> bool:
    """Whether a page's Origin names the host it is talking to (the Host header; a proxy must keep it)."""
    parts = urlsplit(origin)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc or not host:
        return False
    # The page's scheme may be https behind a TLS proxy while we see http: compare where, not how.
    return _netloc(parts.scheme, parts.netloc) in {_netloc("http", host), _netloc("https", host)}


class Origins:
    """The origins allowed besides the page's own."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = frozenset(origin.rstrip("/").lower() for origin in allowed)

    def listed(self, origin: str) -> bool:
        return origin.rstrip("/").lower() in self.allowed

    def may_connect(self, origin: str | None, host: str | None) -> bool:
        return origin is None or self.listed(origin) or same_origin(origin, host)


def _refusal(code: str, message: str) -> bytes:
    return json.dumps(error_body(code, message), ensure_ascii=False).encode()


class OriginMiddleware:
    """Refuse WebSocket handshakes from foreign pages; answer CORS for the allowed origins."""

    def __init__(self, app: ASGIApp, origins: Origins) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["type"] == "websocket":
            if not self.origins.may_connect(origin, headers.get("host")):
                await self._refuse_socket(scope, send, origin)
                return
            await self.app(scope, receive, send)
            return
        if origin is None or not self.origins.listed(origin):
            # Same-origin and program requests need no CORS headers; other sites get none, so their
            # pages cannot read the answer (the browser enforces that).
            if origin is not None and _is_preflight(scope, headers):
                await _respond(
                    send,
                    403,
                    _refusal(
                        "origin_not_allowed", f"来源 {origin} 不在 COPILOT_ALLOWED_ORIGINS 中,不能跨站调用本服务的接口"
                    ),
                )
                return
            await self.app(scope, receive, send)
            return
        if _is_preflight(scope, headers):
            await self._preflight(send, origin, headers)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = origin
                response_headers["Access-Control-Expose-Headers"] = "Retry-After, Location"
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, send: Send, origin: str, headers: Headers) -> None:
        asked = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()]
        refused = [h for h in asked if h not in _CORS_HEADERS]
        if refused:
            await _respond(
                send,
                403,
                _refusal(
                    "header_not_allowed",
                    f"跨站请求不能带请求头 {'、'.join(refused)};可用:{'、'.join(sorted(_CORS_HEADERS))}",
                ),
            )
            return
        await _respond(
            send,
            204,
            b"",
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": _CORS_METHODS,
                "Access-Control-Allow-Headers": ", ".join(asked) or "content-type",
                "Access-Control-Max-Age": _PREFLIGHT_MAX_AGE,
                "Vary": "Origin",
            },
        )

    async def _refuse_socket(self, scope: Scope, send: Send, origin: str | None) -> None:
        body = _refusal(
            "origin_not_allowed", f"来源 {origin} 不能连接本服务:只接受同源页面和 COPILOT_ALLOWED_ORIGINS 中的来源"
        )
        if "websocket.http.response" in scope.get("extensions", {}):
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"application/json; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "websocket.http.response.body", "body": body})
        else:  # the server answers a close before accept with a bare 403
            await send({"type": "websocket.close", "code": 1008})


def _is_preflight(scope: Scope, headers: Headers) -> bool:
    return scope["method"] == "OPTIONS" and "access-control-request-method" in headers


async def _respond(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if body:
        raw += [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
