"""Per-agent figures a lead acts on (replies, reply time, rule hits by class, phrases used) and the by-day series.

Sizes stay bounded without streaming every event: counts are GROUP BY queries (sent replies grouped by
agent, day and their rule list, so each distinct rule list is parsed once), and the reply-time percentiles
are picked by the database (copilot/stats/reply_time.py), which hands back at most three rows per agent."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVarTuple

from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import Session

from copilot.lint.categories import CATEGORIES
from copilot.stats.period import Period
from copilot.stats.reply_time import reply_times
from copilot.stats.tally import NO_AGENT
from copilot.store.models import Event

_Columns = TypeVarTuple("_Columns")  # a query's column types, kept through _from_events

UNKNOWN_CLASS = "custom"  # a rule no longer in force was a shop rule (default rules never disappear)


@dataclass
class AgentFigures:
    """One row of the per-agent table."""

    agent: str
    answered: int = 0
    used: int = 0
    replies_timed: int = 0
    median_ms: float | None = None
    p90_ms: int | None = None
    rule_hits: Counter[str] = field(default_factory=Counter)  # class id -> hits

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "answered": self.answered,
            "used": self.used,
            "reply_time": {"count": self.replies_timed, "median_ms": self.median_ms, "p90_ms": self.p90_ms},
            "rule_hits": {
                "total": sum(self.rule_hits.values()),
                "by_class": {c: self.rule_hits[c] for c in CATEGORIES if self.rule_hits[c]},
            },
        }


@dataclass
class TeamFigures:
    """The per-agent table and the by-day series over one period."""

    period: Period
    agents: list[AgentFigures]
    answered_by_day: Counter[str]
    hits_by_day: Counter[str]

    def days(self) -> list[dict[str, Any]]:
        """Every day of the period, quiet days included, so a chart has no gaps."""
        keys = [day.isoformat() for day in self.period.days]
        return [{"day": key, "answered": self.answered_by_day[key], "rule_hits": self.hits_by_day[key]} for key in keys]


def _from_events(query: Select[*_Columns], period: Period, agent: str | None) -> Select[*_Columns]:
    query = query.where(Event.day >= period.first, Event.day <= period.last)
    return query if agent is None else query.where(Event.agent == agent)


def team_figures(session: Session, period: Period, classes: Mapping[str, str], agent: str | None = None) -> TeamFigures:
    """Figures for every agent with events in the period, or for `agent` only (a row even when it is quiet).

    `classes` maps rule id -> class id (the rule's category)."""
    rows: dict[str, AgentFigures] = {}

    def row(who: str | None) -> AgentFigures:
        key = who or NO_AGENT
        return rows.setdefault(key, AgentFigures(key))

    if agent is not None:
        row(agent)
    answered_by_day: Counter[str] = Counter()
    hits_by_day: Counter[str] = Counter()
    rule_list = cast(Event.rules, Text).label("rule_list")
    sent = _from_events(
        select(Event.agent, Event.day, rule_list, func.count()).where(Event.kind == "sent"), period, agent
    ).group_by(Event.agent, Event.day, rule_list)
    parsed: dict[str | None, list[str]] = {}
    for who, day, rules_text, count in session.execute(sent):
        if rules_text not in parsed:
            rules = json.loads(rules_text) if rules_text else []
            parsed[rules_text] = [classes.get(rule, UNKNOWN_CLASS) for rule in set(rules or ())]
        figures, key = row(who), day.isoformat()
        figures.answered += count
        answered_by_day[key] += count
        for rule_class in parsed[rules_text]:
            figures.rule_hits[rule_class] += count
            hits_by_day[key] += count
    used = _from_events(select(Event.agent, func.count()).where(Event.kind == "used"), period, agent)
    for who, count in session.execute(used.group_by(Event.agent)):
        row(who).used += count
    where = [Event.day >= period.first, Event.day <= period.last, *([] if agent is None else [Event.agent == agent])]
    for who, timed in reply_times(session, where, per_agent=True).items():
        figures = row(who)
        figures.replies_timed, figures.median_ms, figures.p90_ms = timed.count, timed.median_ms, timed.p90_ms
    ordered = sorted(rows.values(), key=lambda r: (-r.answered, -r.used, r.agent))
    return TeamFigures(period, ordered, answered_by_day, hits_by_day)
