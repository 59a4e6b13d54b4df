"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from copilot import __version__
from copilot.api.errors import install_error_handlers
from copilot.api.hub import Hub
from copilot.api.routes import agent, conversations, languagetool, lint, phrases, suggest
from copilot.config import Settings, get_settings
from copilot.live import LiveIndex
from copilot.rulebook import RuleBook
from copilot.store import open_store
from copilot.suggest.lexicon import load_lexicon
from copilot.text.tokenize import warm_up

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    watcher = asyncio.create_task(app.state.live.watch(app.state.settings.suggest_refresh_seconds))
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        app.state.store.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; rule packs load here, so a broken pack stops start-up instead of serving half the rules."""
    settings = settings or get_settings()
    app = FastAPI(title="Kefu Copilot 客服副驾", version=__version__, lifespan=_lifespan)
    app.state.settings = settings
    app.state.rulebook = RuleBook(settings.rules_dir)
    # Migrations and the first-start seed run here, so a worker never serves from a half-made database.
    app.state.store = open_store(settings.database_url, settings.phrasebank_dir)
    warm_up()
    defaults = {"agent_no": settings.agent_no, "shop": settings.shop_name, "customer": settings.customer_name}
    app.state.live = LiveIndex(app.state.store, load_lexicon(settings.lexicon_dir), defaults)
    app.state.hub = Hub(settings, app.state.rulebook, app.state.live)
    install_error_handlers(app)

    @app.middleware("http")
    async def _refresh_after_writes(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # A phrase saved through this worker is live here before the response leaves; other workers
        # pick it up from the version counter within suggest_refresh_seconds.
        response = await call_next(request)
        if request.method in _WRITES and response.status_code < 400 and request.url.path.startswith("/v1/phrases"):
            await app.state.live.refresh()
        return response

    for module in (lint, languagetool, phrases, suggest, conversations, agent):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    return app
