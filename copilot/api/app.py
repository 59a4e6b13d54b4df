"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from copilot import __version__
from copilot.api import metrics
from copilot.api.errors import install_error_handlers
from copilot.api.hub import Hub
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
from copilot.auth.cache import VerifiedCache
from copilot.auth.passwords import Passwords
from copilot.auth.ratelimit import LoginLimits
from copilot.config import Settings, get_settings
from copilot.learn.runner import JobRunner
from copilot.learn.writer import CandidateWriter
from copilot.live import LiveIndex, watch
from copilot.rulebook import RuleBook
from copilot.stats.recorder import EventWriter
from copilot.store import DatabaseLimits, open_store
from copilot.suggest import model_cache
from copilot.suggest.lexicon import load_lexicon
from copilot.text.tokenize import warm_up

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # jieba's dictionary, the rules and the phrase index are millions of long-lived objects; keeping
    # them out of the collector's sight stops full collections from stalling the event loop for
    # tens of milliseconds (they showed as the WebSocket benchmark's p99).
    gc.collect()
    gc.freeze()
    tasks = [
        asyncio.create_task(watch([app.state.live, app.state.rulebook], app.state.settings.refresh_seconds)),
        asyncio.create_task(app.state.events.run()),
        asyncio.create_task(app.state.learner.run()),
        asyncio.create_task(app.state.hub.run()),
        asyncio.create_task(app.state.learn_jobs.run()),  # chat-log mining jobs, claimed from the database
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):  # this worker's last events; a dead database loses only these
            await app.state.events.flush()
        with contextlib.suppress(Exception):  # and its last sightings
            await app.state.learner.flush()
        with contextlib.suppress(Exception):  # else this worker's watchers expire with their heartbeat
            await app.state.hub.close()
        app.state.store.dispose()
        metrics.worker_exited()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; rule packs load here, so a broken pack stops start-up instead of serving half the rules."""
    settings = settings or get_settings()
    app = FastAPI(title="Kefu Copilot 客服副驾", version=__version__, lifespan=_lifespan)
    app.state.settings = settings
    # Migrations and the first-start seed run here, so a worker never serves from a half-made database.
    app.state.store = open_store(settings.database_url, settings.phrasebank_dir, DatabaseLimits.of(settings))
    try:
        app.state.rulebook = RuleBook(settings.rules_dir, app.state.store, settings.lint_max_diagnostics)
    except BaseException:
        app.state.store.dispose()
        raise
    app.state.events = EventWriter(app.state.store, ZoneInfo(settings.stats_timezone), settings.stats_keep_text)
    warm_up()
    defaults = {"agent_no": settings.agent_no, "shop": settings.shop_name, "customer": settings.customer_name}
    model_cache.use_folder(settings.cache_dir)
    lexicon = load_lexicon(settings.lexicon_dir, settings.training_dir)
    app.state.live = LiveIndex(app.state.store, lexicon, defaults, app.state.rulebook)
    app.state.learn_jobs = JobRunner(app.state.store, app.state.live, settings)
    app.state.learner = CandidateWriter(app.state.store, settings.learn_auto_accept_agents)
    app.state.hub = Hub(settings, app.state.rulebook, app.state.live, app.state.events, app.state.store,
                        app.state.learner)
    app.state.passwords = Passwords(settings.password_time_cost, settings.password_memory_kib)
    app.state.login_limits = LoginLimits(
        settings.login_max_failures, settings.login_ip_max_failures, timedelta(minutes=settings.login_window_minutes)
    )
    app.state.auth_cache = VerifiedCache(settings.auth_cache_seconds)  # logins outlive a database outage
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
            for prefix, live in (("/v1/phrases", app.state.live), ("/v1/rules", app.state.live),
                                 ("/v1/learn", app.state.live)):
                if request.url.path.startswith(prefix):
                    await live.refresh()
        return response

    install_body_limits(app, settings.max_json_bytes, settings.max_import_bytes, settings.json_max_depth,
                        settings.learn_max_upload_bytes)
    for module in (lint, languagetool, phrases, rules, stats, suggest, conversations, agent, auth, users,
                   learn_chatlogs):
        app.include_router(module.router)
    app.include_router(agent_focus)
    app.include_router(readiness)
    app.include_router(trash)
    app.include_router(learn_candidates)
    app.include_router(meta)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    return app
