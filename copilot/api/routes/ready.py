"""GET /readyz: whether this worker can reach the database (/healthz is about the process alone)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from copilot.api.deps import StoreDep
from copilot.api.errors import database_unavailable
from copilot.api.models import Ready, answers
from copilot.store.health import DatabaseUnavailable, is_unavailable

router = APIRouter()

# A load balancer's probe has its own short timeout; a database slower than this is not ready.
READY_TIMEOUT = 2.0


@router.get("/readyz", **answers(Ready), responses={503: {"description": "数据库无法访问"}})
async def readyz(request: Request, store: StoreDep) -> Any:
    """200 {"database": "ok"} when the database answers a trivial query in time, else 503 database_unavailable."""
    try:
        await asyncio.wait_for(asyncio.to_thread(store.ping), READY_TIMEOUT)
    except TimeoutError:
        return database_unavailable(request, DatabaseUnavailable(f"数据库 {READY_TIMEOUT:g} 秒内没有应答"))
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        return database_unavailable(request, exc)
    return JSONResponse({"database": "ok"})
