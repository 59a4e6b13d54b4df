"""Who the client is: its address and whether it came over TLS, believing X-Forwarded-* only from trusted proxies.

Anyone can send `X-Forwarded-For`; only a reverse proxy we were told about (COPILOT_TRUSTED_PROXIES) is
believed. The middleware rewrites the ASGI scope once, so `request.client` and `request.url.scheme` are the
real client's everywhere (login limits, Secure cookies, per-address limits) and nobody parses headers twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

_TLS_SCHEMES = {"http": "https", "websocket": "wss"}


class TrustedProxies:
    """Addresses and networks whose forwarding headers are believed; empty believes nobody."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: tuple[IPv4Network | IPv6Network, ...] = tuple(ip_network(e, strict=False) for e in entries)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, host: object) -> bool:
        try:
            address = ip_address(str(host).strip().strip("[]"))
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def forwarded_client(peer: str, forwarded_for: list[str], trusted: TrustedProxies) -> str:
    """The client address: the peer itself unless it is a trusted proxy; then the nearest untrusted hop of
    X-Forwarded-For, read from the right (the left end is whatever the client chose to write)."""
    if peer not in trusted:
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop if _is_ip(hop) else peer
    return hops[0] if hops and _is_ip(hops[0]) else peer


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


class ForwardedHeadersMiddleware:
    """Set the scope's client and scheme from a trusted proxy's X-Forwarded-For and X-Forwarded-Proto."""

    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] in _TLS_SCHEMES and self.trusted and peer and peer[0] in self.trusted:
            headers = Headers(scope=scope)
            scope = dict(scope)
            scope["client"] = (forwarded_client(peer[0], headers.getlist("x-forwarded-for"), self.trusted), 0)
            # The proxy nearest to us wrote the last value; a chain of proxies may have appended theirs.
            proto = headers.get("x-forwarded-proto", "").rsplit(",", 1)[-1].strip().lower()
            if proto in ("https", "wss"):
                scope["scheme"] = _TLS_SCHEMES[scope["type"]]
            elif proto in ("http", "ws"):
                scope["scheme"] = "http" if scope["type"] == "http" else "ws"
        await self.app(scope, receive, send)


def client_ip(connection: HTTPConnection) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For already applied), or 'unknown'."""
    return connection.client.host if connection.client else "unknown"


def came_over_tls(connection: HTTPConnection) -> bool:
    """Whether the client reached us over TLS: directly, or through a trusted proxy that says so."""
    return connection.url.scheme in ("https", "wss")
