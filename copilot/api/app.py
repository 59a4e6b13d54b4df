"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from copilot import __version__
from copilot.api.errors import install_error_handlers
from copilot.api.routes import languagetool, lint, phrases
from copilot.config import Settings, get_settings
from copilot.rulebook import RuleBook
from copilot.store import open_store
from copilot.text.tokenize import warm_up


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
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
    install_error_handlers(app)
    app.include_router(lint.router)
    app.include_router(languagetool.router)
    app.include_router(phrases.router)
    return app
