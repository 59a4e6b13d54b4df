"""Response headers for safety: nosniff and Referrer-Policy on every response; on HTML pages a CSP without
inline script, frame-ancestors from COPILOT_FRAME_ANCESTORS and a matching X-Frame-Options; and redirects to
ourselves made relative, so a forged Host header never becomes a redirect's target."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts, styles and sockets come from this origin only ('self' covers ws:/wss: to it in CSP 3); no inline
# code, so a text that slipped into the page as markup could not run.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}"
)
# X-Frame-Options can only say these two; for a list of hosts the CSP alone decides (browsers that know
# frame-ancestors ignore X-Frame-Options anyway).
_FRAME_OPTIONS = {"'self'": "SAMEORIGIN", "'none'": "DENY"}
_LEADING_SLASHES = re.compile(r"^/{2,}")


def page_headers(frame_ancestors: str) -> dict[str, str]:
    """The headers an HTML page gets besides those every response gets."""
    headers = {"Content-Security-Policy": _CSP.format(frame_ancestors=frame_ancestors)}
    frame_options = _FRAME_OPTIONS.get(frame_ancestors.strip().lower())
    if frame_options:
        headers["X-Frame-Options"] = frame_options
    return headers


def relative_location(location: str, host: str | None) -> str:
    """A redirect to this server (Starlette builds them from the Host header) as a path; others unchanged."""
    parts = urlsplit(location)
    if not parts.netloc or host is None or parts.netloc.lower() != host.lower():
        return location
    path = _LEADING_SLASHES.sub("/", parts.path) or "/"  # `//evil.example` would leave the site again
    return path + (f"?{parts.query}" if parts.query else "")


class SecurityHeadersMiddleware:
    """Add the headers to each HTTP response as it starts (a plain ASGI middleware: nothing is buffered)."""

    def __init__(self, app: ASGIApp, frame_ancestors: str, docs_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.always = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
        self.pages = page_headers(frame_ancestors)
        # FastAPI's API docs (/docs, /redoc) are an inline script loading Swagger UI from a CDN and show no
        # user content; they keep the framing rule and go without the rest of the policy.
        self.docs_paths = frozenset(docs_paths)
        self.docs = {**self.pages, "Content-Security-Policy": f"frame-ancestors {frame_ancestors}"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                page = headers.get("content-type", "").startswith("text/html")
                extra = (self.docs if scope["path"] in self.docs_paths else self.pages) if page else {}
                for name, value in (self.always | extra).items():
                    headers.setdefault(name, value)
                if 300 <= message["status"] < 400 and "location" in headers:
                    headers["location"] = relative_location(headers["location"], Headers(scope=scope).get("host"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
