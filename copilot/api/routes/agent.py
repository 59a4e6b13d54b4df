"""The agent's sidebar: the page at / and its WebSocket at /ws/agent."""

from __future__ import annotations

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from copilot.api.auth_deps import (
    ANONYMOUS,
    SUBPROTOCOL,
    Identity,
    identify_connection,
    offered_subprotocols,
    require_reader,
)
from copilot.api.deps import ServicesDep, SettingsDep
from copilot.api.errors import ApiError
from copilot.api.login_page import LOGIN_PAGE
from copilot.store.health import DatabaseUnavailable

router = APIRouter()

CLOSE_LOGIN_REQUIRED = 4401  # 4000-4999 are the application's; 4401 mirrors HTTP 401
CLOSE_TRY_AGAIN_LATER = 1013  # the standard code for a temporary condition on the server


@router.get("/", include_in_schema=False, response_model=None)
def sidebar(request: Request, settings: SettingsDep) -> FileResponse | HTMLResponse:
    """The sidebar page (served at / itself, so ?c=<conversation> survives); a login form when one is needed."""
    try:
        require_reader(request)
    except ApiError as exc:
        if exc.status != 401:
            raise
        return HTMLResponse(LOGIN_PAGE, status_code=401, headers=exc.headers)
    return FileResponse(settings.static_dir / "index.html", media_type="text/html; charset=utf-8")


@router.get("/editor", include_in_schema=False)
def editor(settings: SettingsDep) -> FileResponse:
    """The team lead's editor; it shows its own login form, so the page itself is open."""
    return FileResponse(settings.static_dir / "editor.html", media_type="text/html; charset=utf-8")


@router.get("/favicon.ico", include_in_schema=False)
def favicon(settings: SettingsDep) -> FileResponse:
    return FileResponse(settings.static_dir / "favicon.svg", media_type="image/svg+xml")


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket, services: ServicesDep) -> None:
    """The sidebar's socket; with COPILOT_REQUIRE_LOGIN=true a handshake without a login is closed with 4401."""
    reason, code = "请先登录,或用子协议 token.<令牌> 连接(旧客户端可在地址后加 ?token=<令牌>)", CLOSE_LOGIN_REQUIRED
    try:
        identity: Identity = await run_in_threadpool(identify_connection, websocket)
    except ApiError:
        identity, reason = ANONYMOUS, "令牌无效或已撤销,请重新生成"
    except DatabaseUnavailable:
        # A login this worker has not verified recently cannot be checked now: with login optional the
        # sidebar still works for nobody in particular; with login required it is asked to come back.
        identity, reason, code = ANONYMOUS, "数据库暂时无法访问,无法验证登录,请稍后重连", CLOSE_TRY_AGAIN_LATER
    if identity.session_expired:
        reason = "登录已过期,请重新登录"
    # A browser that offered subprotocols drops a handshake whose answer names none of them.
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in offered_subprotocols(websocket) else None
    if services.settings.require_login and identity.role is None:
        # Accepted first so the browser sees our code and reason; a refused handshake only shows as 403.
        await websocket.accept(subprotocol)
        await websocket.close(code, reason)
        return
    await services.hub.serve(websocket, agent=identity.name, subprotocol=subprotocol)
