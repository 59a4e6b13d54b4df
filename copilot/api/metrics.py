"""Prometheus metrics: the hooks the service calls (`metrics.lint_seconds.labels("ws").observe(…)`) and GET /metrics.

With several workers (`serve --workers N`) every worker writes its samples to files in
PROMETHEUS_MULTIPROC_DIR (which `serve` creates) and whichever worker answers /metrics adds them all up,
so one scrape of one port sees the whole instance. The directory must be set before this module is
imported: prometheus-client picks its storage then.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as multiprocess_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"  # requests no route answered share one label, so scanners cannot grow the series
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other is "other"

# Lint and suggest answer in milliseconds; the top buckets show a frozen worker.
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

requests_total = Counter(
    "copilot_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
lint_seconds = Histogram(
    "copilot_lint_seconds",
    "Time to lint one draft; via is http (/v1/lint, /v2/check) or ws (sidebar drafts)",
    ["via"],
    buckets=_LATENCY_BUCKETS,
)
suggest_seconds = Histogram(
    "copilot_suggest_seconds",
    "Time to suggest for one customer message; via is http or ws (sidebar messages, pushes)",
    ["via"],
    buckets=_LATENCY_BUCKETS,
)
open_sockets = Gauge("copilot_open_sockets", "Sidebar WebSockets open now", multiprocess_mode="livesum")
pushes_total = Counter(
    "copilot_pushes_total",
    "Platform pushes; delivered when at least one watching sidebar got it",
    ["outcome"],
)
database_errors_total = Counter(
    "copilot_database_errors_total",
    "Errors raised by the database driver, by SQLAlchemy error class",
    ["error"],
)


def count_push(delivered: int) -> None:
    """Count one platform push by whether any sidebar received it."""
    pushes_total.labels("delivered" if delivered else "undelivered").inc()


class RequestCounter:
    """ASGI middleware counting HTTP requests by route template (never the raw path) and status."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app raises before answering

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "other"
            requests_total.labels(method, self.route_template(scope), str(status)).inc()

    def route_template(self, scope: Scope) -> str:
        """The route's path template (/v1/phrases/{phrase_id}) or a mount's prefix; UNMATCHED for no route.

        Looked up here rather than taken from the router, so a request refused before routing (a body over
        the limit, a missing login) still counts under its route."""
        route = scope.get("route")
        if route is None:
            route = next((r for r in self.routes if r.matches(scope)[0] != Match.NONE), None)
        return str(getattr(route, "path", UNMATCHED)) if route is not None else UNMATCHED


class VersionCollector(Collector):
    """The rule and phrasebank versions this worker serves, read at scrape time."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        services = self.app.state.services
        yield GaugeMetricFamily(
            "copilot_rules_version", "Version of the shop rules being served", value=services.rulebook.version
        )
        yield GaugeMetricFamily(
            "copilot_phrasebank_version", "Version of the phrasebank being served", value=services.live.version
        )


def _registry(app: FastAPI) -> CollectorRegistry:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        # every worker's files, added up (prometheus_client leaves its multiprocess module unannotated)
        multiprocess_metrics.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry(auto_describe=True)
        for collector in (
            requests_total,
            lint_seconds,
            suggest_seconds,
            open_sockets,
            pushes_total,
            database_errors_total,
        ):
            registry.register(collector)
    registry.register(VersionCollector(app))
    return registry


def install(app: FastAPI) -> None:
    """Count requests and database errors for this app; serve GET /metrics unless COPILOT_METRICS=false."""
    # Outermost, around every middleware added before or after this call (those may answer without routing,
    # e.g. 413) and around the error handlers, so every answer is counted with the status the client got.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: RequestCounter(build_stack(), app.router.routes)  # type: ignore[method-assign]

    @event.listens_for(app.state.services.store.engine, "handle_error")
    def _count_database_error(context: Any) -> None:
        error = context.sqlalchemy_exception or context.original_exception
        database_errors_total.labels(type(error).__name__).inc()

    if not app.state.services.settings.metrics:
        return

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus text format; unauthenticated like /healthz (turn it off, or keep it off the proxy)."""
        return Response(generate_latest(_registry(request.app)), media_type=CONTENT_TYPE_LATEST)


def worker_exited() -> None:
    """Drop this worker's live gauges from the shared files (counters and histograms stay in the totals)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess_metrics.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # unannotated upstream


def elapsed(started: float) -> float:
    """Seconds since a time.perf_counter() reading."""
    return time.perf_counter() - started


def share_between_workers(workers: int) -> None:
    """Called by `serve` before uvicorn starts: with several workers, a fresh directory for their samples
    (removed when serve exits); a PROMETHEUS_MULTIPROC_DIR set by the operator is used and emptied instead."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # a previous run's samples would otherwise be added in
            stale.unlink()
    elif workers > 1:
        folder = Path(tempfile.mkdtemp(prefix="kefu-copilot-metrics-"))
        os.environ[MULTIPROC_ENV] = str(folder)  # the workers, spawned after this, inherit it
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
