"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from copilot import __version__
from copilot.api import metrics
from copilot.api.errors import install_error_handlers
from copilot.api.limits import install_body_limits
from copilot.api.routes import (
    agent,
    auth,
    conversations,
    languagetool,
    learn_chatlogs,
    lint,
    phrases,
    rules,
    stats,
    suggest,
    users,
)
from copilot.api.routes.agents import router as agent_focus
from copilot.api.routes.learn_candidates import router as learn_candidates
from copilot.api.routes.meta import router as meta
from copilot.api.routes.ready import router as readiness
from copilot.api.routes.trash import router as trash
from copilot.api.security import install_security
from copilot.config import Settings, get_settings
from copilot.live import watch
from copilot.services import Services
from copilot.text.tokenize import warm_up

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    services: Services = app.state.services
    # jieba's dictionary, the rules and the phrase index are millions of long-lived objects; keeping
    # them out of the collector's sight stops full collections from stalling the event loop for
    # tens of milliseconds (they showed as the WebSocket benchmark's p99).
    gc.collect()
    gc.freeze()
    tasks = [
        asyncio.create_task(watch([services.live, services.rulebook], services.settings.refresh_seconds)),
        asyncio.create_task(services.events.run()),
        asyncio.create_task(services.learner.run()),
        asyncio.create_task(services.hub.run()),
        asyncio.create_task(services.learn_jobs.run()),  # chat-log mining jobs, claimed from the database
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):  # this worker's last events; a dead database loses only these
            await services.events.flush()
        with contextlib.suppress(Exception):  # and its last sightings
            await services.learner.flush()
        with contextlib.suppress(Exception):  # else this worker's watchers expire with their heartbeat
            await services.hub.close()
        services.close()
        metrics.worker_exited()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; rule packs load here, so a broken pack stops start-up instead of serving half the rules."""
    settings = settings or get_settings()
    app = FastAPI(title="Kefu Copilot 客服副驾", version=__version__, lifespan=_lifespan)
    warm_up()
    # Migrations and the first-start seed run here, so a worker never serves from a half-made database.
    app.state.services = services = Services(settings, serving=True)
    install_error_handlers(app)
    install_security(app, settings)
    metrics.install(app)

    @app.middleware("http")
    async def _refresh_after_writes(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # A phrase or rule saved through this worker is live here before the response leaves; other
        # workers pick it up from the version counters within refresh_seconds.
        response = await call_next(request)
        if request.method in _WRITES and response.status_code < 400:
            # (the phrase index refreshes the rule book first, and re-marks the phrases the rules block)
            # (an accepted candidate is a new example question of its phrase: /v1/learn too)
            for prefix, live in (
                ("/v1/phrases", services.live),
                ("/v1/rules", services.live),
                ("/v1/learn", services.live),
            ):
                if request.url.path.startswith(prefix):
                    await live.refresh()
        return response

    install_body_limits(
        app,
        settings.max_json_bytes,
        settings.max_import_bytes,
        settings.json_max_depth,
        settings.learn_max_upload_bytes,
    )
    for module in (
        lint,
        languagetool,
        phrases,
        rules,
        stats,
        suggest,
        conversations,
        agent,
        auth,
        users,
        learn_chatlogs,
    ):
        app.include_router(module.router)
    app.include_router(agent_focus)
    app.include_router(readiness)
    app.include_router(trash)
    app.include_router(learn_candidates)
    app.include_router(meta)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    return app
