"""POST /v1/conversations/{id}/messages: the chat platform pushes a message to the watching sidebars and
to those of the agent the conversation is routed to."""

from __future__ import annotations

import hmac
import unicodedata
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from copilot.api import metrics
from copilot.api.auth_deps import bearer, identify
from copilot.api.deps import HubDep, ServicesDep, SettingsDep, require_text
from copilot.api.errors import ApiError
from copilot.api.models import PushAnswer, answers
from copilot.api.responses import BODY, STORE, errors
from copilot.auth.tokens import PREFIX
from copilot.conversations import PLATFORM, Client, ConversationLimit


def check_agent(agent: str) -> str:
    """An agent (a login name or a 工号) as routing compares it: exactly, so no stray spaces or control characters."""
    if agent != agent.strip():
        raise ValueError("坐席名称首尾不能有空白字符")
    if any(unicodedata.category(c).startswith("C") for c in agent):
        raise ValueError("坐席名称不能包含控制字符或不可见字符")
    return agent


router = APIRouter()


class PushedMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["customer", "agent"]
    text: str
    # the agent who holds the chat (user name or 工号): the conversation is routed to it and stays routed
    agent: Annotated[
        str | None,
        Field(default=None, min_length=1, max_length=64),
        AfterValidator(lambda agent: None if agent is None else check_agent(agent)),
    ] = None


def require_pusher(request: Request, services: ServicesDep) -> str:
    """The caller's name: the chat platform (COPILOT_INTEGRATION_TOKEN) or the user of a valid API token.

    Any role will do: a push only feeds the watching sidebars, what any agent does by pasting a message.
    """
    token = bearer(request.headers.get("authorization"))
    expected = services.settings.integration_token
    if token is None:
        raise ApiError(
            401,
            "unauthorized",
            "缺少令牌:请在 Authorization 头中使用 Bearer <令牌>"
            "(COPILOT_INTEGRATION_TOKEN 或 kefu-copilot token create 生成的令牌)",
        )
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return "integration"
    if token.startswith(PREFIX):
        return identify(services.store, token=token, cookie=None).name or ""  # a bad one raises 401
    if not expected:
        raise ApiError(
            401,
            "integration_disabled",
            "未配置 COPILOT_INTEGRATION_TOKEN:请配置它,或使用 kefu-copilot token create 生成的令牌",
        )
    raise ApiError(401, "unauthorized", "令牌错误:请在 Authorization 头中使用 Bearer <令牌>")


@router.post(
    "/v1/conversations/{conversation}/messages", **answers(PushAnswer), responses=errors(BODY, 401, 429, STORE)
)
async def push_message(
    conversation: Annotated[str, Path(min_length=1, max_length=128)],
    body: PushedMessage,
    request: Request,
    settings: SettingsDep,
    hub: HubDep,
    pusher: Annotated[str, Depends(require_pusher)],
) -> dict[str, Any]:
    """Append to the conversation; a customer message is answered and pushed to every watching sidebar and
    every sidebar of the agent it is routed to (`agent`, remembered for later pushes without one), on every
    worker and host (`delivered` counts them all, each once; `agent` in the answer is the route)."""
    require_text(body.text, settings)
    # The platform pushes every conversation of the shop; an agent's own token is limited like its sidebar.
    client = PLATFORM if pusher == "integration" else Client(pusher, request.client.host if request.client else None)
    try:
        frame = await hub.push(conversation, body.role, body.text, client, body.agent)
    except ConversationLimit as exc:
        raise ApiError(429, "too_many_conversations", str(exc)) from None
    metrics.count_push(frame["delivered"])
    return {**{k: v for k, v in frame.items() if k != "type"}, "role": body.role}
