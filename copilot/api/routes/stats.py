"""/v1/stats: what agents trip on, how often replies went out blocked or warned, phrase use, reply time,
and the per-agent table with its by-day series."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from copilot.api.auth_deps import Agent, Identity, Lead
from copilot.api.deps import ServicesDep
from copilot.api.errors import ApiError
from copilot.api.models import AgentStatsAnswer, StatsAnswer, answers
from copilot.api.responses import ROLE, STORE, content, errors
from copilot.auth.roles import at_least
from copilot.lint.categories import CATEGORIES
from copilot.rulebook import RuleBook
from copilot.services import Services
from copilot.stats.export import agents_csv, days_csv, to_csv
from copilot.stats.period import BadPeriod, Period, parse_day, resolve, today_in
from copilot.stats.recorder import EventWriter
from copilot.stats.tally import Tally, tally
from copilot.stats.team import TeamFigures, team_figures
from copilot.store import Store

router = APIRouter(prefix="/v1/stats", tags=["stats"], responses=errors(ROLE, STORE, 422))

DateParam = Annotated[str | None, Query(max_length=10)]
AgentParam = Annotated[str | None, Query(max_length=64)]
From = Annotated[DateParam, Query(alias="from")]
To = Annotated[DateParam, Query(alias="to")]


def _refused(error: BadPeriod) -> ApiError:
    return ApiError(422, "invalid_request", str(error), [{"field": error.field, "reason": error.reason}])


def _day(value: str | None, name: str) -> date | None:
    try:
        return parse_day(value, name)
    except BadPeriod as error:
        raise _refused(error) from None


def _check_agent(agent: str | None) -> None:
    if agent and not agent.isprintable():
        raise ApiError(422, "invalid_request", "agent 含有控制字符", [{"field": "agent", "reason": "含有控制字符"}])


async def _tally(events: EventWriter, store: Store, start: str | None, end: str | None, agent: str | None) -> Tally:
    first, last = _day(start, "from"), _day(end, "to")
    _check_agent(agent)
    if first and last and first > last:
        raise ApiError(
            422, "invalid_request", f"开始日期 {first} 晚于结束日期 {last}", [{"field": "from", "reason": "晚于 to"}]
        )
    # This worker's own queued events first, so a lead sees what just happened on their sidebar.
    await events.flush()
    return await asyncio.to_thread(_read, store, first, last, agent or None)


def _read(store: Store, start: date | None, end: date | None, agent: str | None) -> Tally:
    with store.begin() as session:
        return tally(session, start=start, end=end, agent=agent)


def _messages(rulebook: RuleBook) -> dict[str, str]:
    """Rule id -> message, for every rule the stats may name (current ones win over the packs' originals)."""
    return {rule_id: rule.message for rule_id, rule in rulebook.defaults.items()} | {
        rule.id: rule.message for rule in rulebook.linter.rules
    }


def _classes(rulebook: RuleBook) -> dict[str, str]:
    """Rule id -> class (the rule's category), for every rule the stats may name."""
    classes: dict[str, str] = {rule_id: rule.category for rule_id, rule in rulebook.defaults.items()}
    classes.update({rule.id: rule.category for rule in rulebook.linter.rules})
    return classes


@router.get("", **answers(StatsAnswer))
async def stats(
    services: ServicesDep, _: Lead, start: From = None, end: To = None, agent: AgentParam = None
) -> dict[str, Any]:
    """Counts over [from, to] (the shop's local days, inclusive; either may be left out), optionally for one agent."""
    found = await _tally(services.events, services.store, start, end, agent)
    return {"from": start, "to": end, "agent": agent or None, **found.as_json(_messages(services.rulebook))}


@router.get("/export.csv", responses={200: content("text/csv; charset=utf-8")})
async def export_csv(
    services: ServicesDep, _: Lead, start: From = None, end: To = None, agent: AgentParam = None
) -> Response:
    """The same counts as a CSV for Excel (UTF-8 with BOM, Chinese headers, one figure per row)."""
    found = await _tally(services.events, services.store, start, end, agent)
    first, last = _day(start, "from"), _day(end, "to")
    name = f"stats-{first or 'all'}-{last or date.today()}.csv"
    return Response(
        to_csv(found, _messages(services.rulebook)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# ---------------------------------------------------------------- the per-agent table and the by-day series


def _scope(identity: Identity, agent: str | None) -> str | None:
    """The agent whose figures may be read: a lead or admin reads anyone (None: the whole team), an agent
    only themself, as their sidebar records them (their login name)."""
    _check_agent(agent)
    if identity.role is not None and at_least(identity.role, "lead"):
        return agent or None
    if agent and agent != identity.name:
        raise ApiError(
            403,
            "role_required",
            "客服只能查看自己的统计；查看其他客服或全组需要主管/管理员账号",
            {"needed": "lead", "role": identity.role},
        )
    return identity.name


async def _team(services: Services, start: str | None, end: str | None, agent: str | None) -> TeamFigures:
    try:
        period = resolve(start, end, today_in(ZoneInfo(services.settings.stats_timezone)))
    except BadPeriod as error:
        raise _refused(error) from None
    await services.events.flush()
    return await asyncio.to_thread(_read_team, services.store, period, _classes(services.rulebook), agent)


def _read_team(store: Store, period: Period, classes: dict[str, str], agent: str | None) -> TeamFigures:
    with store.begin() as session:
        return team_figures(session, period, classes, agent)


def _lead_exports(identity: Identity) -> None:
    if identity.role is None or not at_least(identity.role, "lead"):
        raise ApiError(
            403,
            "role_required",
            "只有主管/管理员可以导出统计；客服可以在统计页查看自己的数据",
            {"needed": "lead", "role": identity.role},
        )


@router.get("/agents", **answers(AgentStatsAnswer))
async def agent_stats(
    services: ServicesDep, identity: Agent, start: From = None, end: To = None, agent: AgentParam = None
) -> dict[str, Any]:
    """Per agent over [from, to] (the shop's days; default the last 7): replies, reply time median and p90,
    rule hits by class, phrases used; and replies and rule hits per day. An agent sees only their own row."""
    scope = _scope(identity, agent)
    figures = await _team(services, start, end, scope)
    return {
        "from": figures.period.first.isoformat(),
        "to": figures.period.last.isoformat(),
        "timezone": services.settings.stats_timezone,
        "scope": "team" if scope is None else "agent",
        "agent": scope,
        "classes": [{"id": class_id, "name": name} for class_id, name in CATEGORIES.items()],
        "agents": [row.as_json() for row in figures.agents],
        "days": figures.days(),
    }


def _csv_response(body: bytes, what: str, figures: TeamFigures) -> Response:
    name = f"stats-{what}-{figures.period.first}-{figures.period.last}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/agents/export.csv", responses={200: content("text/csv; charset=utf-8")})
async def agent_stats_csv(
    services: ServicesDep, identity: Agent, start: From = None, end: To = None, agent: AgentParam = None
) -> Response:
    """The per-agent table as CSV (same filter); leads and admins only."""
    _lead_exports(identity)
    figures = await _team(services, start, end, _scope(identity, agent))
    return _csv_response(agents_csv(figures), "agents", figures)


@router.get("/days/export.csv", responses={200: content("text/csv; charset=utf-8")})
async def day_stats_csv(
    services: ServicesDep, identity: Agent, start: From = None, end: To = None, agent: AgentParam = None
) -> Response:
    """Replies and rule hits per day as CSV (same filter); leads and admins only."""
    _lead_exports(identity)
    figures = await _team(services, start, end, _scope(identity, agent))
    return _csv_response(days_csv(figures), "days", figures)
