"""POST /v1/agents/{agent}/focus: the chat platform says which conversation an agent has in front."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from copilot.api.deps import HubDep
from copilot.api.errors import ApiError
from copilot.api.models import FocusAnswer, answers
from copilot.api.responses import BODY, STORE, errors
from copilot.api.routes.conversations import check_agent, require_pusher

router = APIRouter()


class Focus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation: str = Field(min_length=1, max_length=128)


@router.post("/v1/agents/{agent}/focus", **answers(FocusAnswer), responses=errors(BODY, 401, STORE))
async def focus(
    agent: Annotated[str, Path(min_length=1, max_length=64)],
    body: Focus,
    hub: HubDep,
    _: Annotated[str, Depends(require_pusher)],
) -> dict[str, Any]:
    """Every sidebar of the agent, on every worker and host, switches to the conversation (a `focus`
    frame); `delivered` counts those sidebars."""
    try:
        check_agent(agent)
    except ValueError as exc:
        raise ApiError(
            422, "invalid_agent", f"请求有误 — agent: {exc}", [{"field": "agent", "reason": str(exc)}]
        ) from None
    delivered = await hub.focus(agent, body.conversation)
    return {"agent": agent, "conversation": body.conversation, "delivered": delivered}
