"""The security layer around the app (issue #10): trusted proxies, allowed origins, headers, no secrets in logs."""

from __future__ import annotations

from fastapi import FastAPI

from copilot.api.client import ForwardedHeadersMiddleware, TrustedProxies
from copilot.api.headers import SecurityHeadersMiddleware
from copilot.api.origins import OriginMiddleware, Origins
from copilot.api.redact import install_log_redaction
from copilot.config import Settings


def install_security(app: FastAPI, settings: Settings) -> None:
    """Wrap the app; the last added runs first, so the client is known before the origin is judged."""
    docs = tuple(path for path in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if path)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors, docs_paths=docs)
    app.add_middleware(OriginMiddleware, origins=Origins(settings.allowed_origins))
    app.add_middleware(ForwardedHeadersMiddleware, trusted=TrustedProxies(settings.trusted_proxies))
    install_log_redaction()
