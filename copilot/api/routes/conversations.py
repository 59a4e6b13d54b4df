"""POST /v1/conversations/{id}/messages: the chat platform pushes a message to the watching sidebars."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Request
from pydantic import BaseModel, ConfigDict

from copilot.api.deps import SettingsDep, require_text
from copilot.api.errors import ApiError

router = APIRouter()


class PushedMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["customer", "agent"]
    text: str


def require_integration_token(authorization: str | None, expected: str | None) -> None:
    """401 unless the Authorization header carries the configured integration token."""
    if not expected:
        raise ApiError(401, "integration_disabled", "未配置 COPILOT_INTEGRATION_TOKEN,无法接收平台推送")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "缺少或错误的令牌:请在 Authorization 头中使用 Bearer <令牌>")


@router.post("/v1/conversations/{conversation}/messages")
def push_message(
    conversation: Annotated[str, Path(min_length=1, max_length=128)],
    body: PushedMessage,
    request: Request,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Append to the conversation; a customer message is answered and pushed to every watching sidebar."""
    require_integration_token(authorization, settings.integration_token)
    require_text(body.text, settings)
    frame = request.app.state.hub.push(conversation, body.role, body.text)
    if frame is None:
        return {"conversation": conversation, "role": body.role, "delivered": 0}
    return {**{k: v for k, v in frame.items() if k != "type"}, "role": body.role}
