"""/v1/stats: what agents trip on, how often replies went out blocked or warned, phrase use, reply time."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from copilot.api.errors import ApiError
from copilot.api.responses import ROLE, STORE, content, errors
from copilot.auth.deps import Lead
from copilot.stats.export import to_csv
from copilot.stats.tally import Tally, tally
from copilot.store import Store

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=errors(ROLE, STORE, 422))

DateParam = Annotated[str | None, Query(max_length=10)]
AgentParam = Annotated[str | None, Query(max_length=64)]


def _day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(422, "invalid_request", f"{name} 应为 YYYY-MM-DD 格式的日期,收到 {value!r}",
                       [{"field": name, "reason": "应为 YYYY-MM-DD"}]) from None


async def _tally(request: Request, start: str | None, end: str | None, agent: str | None) -> Tally:
    first, last = _day(start, "from"), _day(end, "to")
    if agent and not agent.isprintable():
        raise ApiError(422, "invalid_request", "agent 含有控制字符", [{"field": "agent", "reason": "含有控制字符"}])
    if first and last and first > last:
        raise ApiError(422, "invalid_request", f"开始日期 {first} 晚于结束日期 {last}",
                       [{"field": "from", "reason": "晚于 to"}])
    # This worker's own queued events first, so a lead sees what just happened on their sidebar.
    await request.app.state.events.flush()
    return await asyncio.to_thread(_read, request.app.state.store, first, last, agent or None)


def _read(store: Store, start: date | None, end: date | None, agent: str | None) -> Tally:
    with store.begin() as session:
        return tally(session, start=start, end=end, agent=agent)


def _messages(request: Request) -> dict[str, str]:
    """Rule id -> message, for every rule the stats may name (current ones win over the packs' originals)."""
    rulebook = request.app.state.rulebook
    return {rule_id: rule.message for rule_id, rule in rulebook.defaults.items()} | {
        rule.id: rule.message for rule in rulebook.linter.rules
    }


@router.get("")
async def stats(
    request: Request, _: Lead, start: Annotated[DateParam, Query(alias="from")] = None,
    end: Annotated[DateParam, Query(alias="to")] = None, agent: AgentParam = None,
) -> dict[str, Any]:
    """Counts over [from, to] (the shop's local days, inclusive; either may be left out), optionally for one agent."""
    found = await _tally(request, start, end, agent)
    return {"from": start, "to": end, "agent": agent or None, **found.as_json(_messages(request))}


@router.get("/export.csv", responses={200: content("text/csv; charset=utf-8")})
async def export_csv(
    request: Request, _: Lead, start: Annotated[DateParam, Query(alias="from")] = None,
    end: Annotated[DateParam, Query(alias="to")] = None, agent: AgentParam = None,
) -> Response:
    """The same counts as a CSV for Excel (UTF-8 with BOM, Chinese headers, one figure per row)."""
    found = await _tally(request, start, end, agent)
    first, last = _day(start, "from"), _day(end, "to")
    name = f"stats-{first or 'all'}-{last or date.today()}.csv"
    return Response(to_csv(found, _messages(request)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
