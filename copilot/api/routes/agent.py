"""The agent's sidebar: the page at / and its WebSocket at /ws/agent."""

from __future__ import annotations

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import FileResponse

router = APIRouter()


@router.get("/", include_in_schema=False)
def sidebar(request: Request) -> FileResponse:
    """The sidebar page (served at / itself, so ?c=<conversation> survives)."""
    return FileResponse(request.app.state.settings.static_dir / "index.html", media_type="text/html; charset=utf-8")


@router.get("/favicon.ico", include_in_schema=False)
def favicon(request: Request) -> FileResponse:
    return FileResponse(request.app.state.settings.static_dir / "favicon.svg", media_type="image/svg+xml")


@router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    await websocket.app.state.hub.serve(websocket)
