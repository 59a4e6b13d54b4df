"""POST /v1/suggest: intents, complaint type, ranked and rendered phrases for a customer message."""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from copilot.api import compute, metrics
from copilot.api.auth_deps import require_reader
from copilot.api.deps import LiveDep, SettingsDep, require_text
from copilot.api.models import SuggestAnswer, answers
from copilot.api.responses import BODY, READER, STORE, errors
from copilot.suggest.suggester import Turn

router = APIRouter()


class HistoryTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["customer", "agent"]
    text: str = Field(max_length=8000)


class SuggestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str
    history: list[HistoryTurn] = Field(default_factory=list, max_length=50)
    limit: int = Field(default=5, ge=1, le=50)
    # per-agent placeholder values ({agent_no}, {shop}, {customer}); settings fill what is missing
    values: dict[Literal["agent_no", "shop", "customer"], str] = Field(default_factory=dict)


@router.post(
    "/v1/suggest",
    **answers(SuggestAnswer),
    dependencies=[Depends(require_reader)],
    responses=errors(BODY, READER, STORE),
)
async def suggest(body: SuggestRequest, settings: SettingsDep, live: LiveDep) -> dict[str, Any]:
    """What the customer wants and the phrases that answer it, best first."""
    require_text(body.message, settings, "message")
    for position, turn in enumerate(body.history):
        require_text(turn.text, settings, f"history.{position}.text")
    suggester = live.suggester
    history = [Turn(turn.role, turn.text) for turn in body.history]
    started = time.perf_counter()
    answer = await compute.run(
        settings, suggester.suggest, body.message, history=history, limit=body.limit, values=body.values
    )
    metrics.suggest_seconds.labels("http").observe(metrics.elapsed(started))
    return answer
