"""Tally stored events into the lead's stats: rules tripped, verdicts of sent replies, phrase use, reply time."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, Text, cast, func, select
from sqlalchemy.orm import Session

from copilot.stats.reply_time import reply_times
from copilot.store.models import Event, Phrase

NO_AGENT = "(未设置工号)"
VERDICTS = ("ok", "warn", "block")

_Columns = TypeVarTuple("_Columns")  # a query's column types, kept through _filtered


@dataclass
class Tally:
    """Counts over one date range (and optionally one agent)."""

    rule_hits: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (rule, day, agent)
    sent: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (verdict, day, agent)
    used: Counter[str] = field(default_factory=Counter)  # phrase id
    replies_timed: int = 0
    median_reply_ms: float | None = None
    phrases: dict[str, str] = field(default_factory=dict)  # enabled phrase id -> title
    titles: dict[str, str] = field(default_factory=dict)  # every stored phrase id -> title

    def median_reply_s(self) -> float | None:
        return None if self.median_reply_ms is None else round(self.median_reply_ms / 1000, 1)

    def as_json(self, messages: Mapping[str, str]) -> dict[str, Any]:
        """The GET /v1/stats answer; `messages` names each rule id."""
        by_rule: dict[str, dict[str, Any]] = {}
        for (rule, day, agent), count in self.rule_hits.items():
            entry = by_rule.setdefault(
                rule,
                {"rule": rule, "message": messages.get(rule), "count": 0, "by_day": Counter(), "by_agent": Counter()},
            )
            entry["count"] += count
            entry["by_day"][day] += count
            entry["by_agent"][agent] += count
        rules = sorted(by_rule.values(), key=lambda e: (-e["count"], e["rule"]))
        for entry in rules:
            entry["by_day"] = dict(sorted(entry["by_day"].items()))
            entry["by_agent"] = dict(entry["by_agent"].most_common())
        verdicts = Counter[str]()
        for (verdict, _, _), count in self.sent.items():
            verdicts[verdict] += count
        used = [
            {"id": pid, "title": self.titles.get(pid), "count": n}
            for pid, n in sorted(self.used.items(), key=lambda item: (-item[1], item[0]))
        ]
        never = [{"id": pid, "title": title} for pid, title in sorted(self.phrases.items()) if pid not in self.used]
        return {
            "rules": rules,
            "sent": {"total": sum(verdicts.values()), **{v: verdicts[v] for v in VERDICTS}},
            "phrases": {"used": used, "never_used": never},
            "reply_time": {"median_s": self.median_reply_s(), "count": self.replies_timed},
        }


def _conditions(start: date | None, end: date | None, agent: str | None) -> list[ColumnElement[bool]]:
    conditions = []
    if start is not None:
        conditions.append(Event.day >= start)
    if end is not None:
        conditions.append(Event.day <= end)
    if agent is not None:
        conditions.append(Event.agent == agent)
    return conditions


def _filtered(query: Select[*_Columns], start: date | None, end: date | None, agent: str | None) -> Select[*_Columns]:
    return query.where(*_conditions(start, end, agent))


def tally(session: Session, *, start: date | None = None, end: date | None = None, agent: str | None = None) -> Tally:
    """Count the events of [start, end] (the shop's local days, both inclusive) and list the phrasebank."""
    found = Tally()
    # Rule lists are JSON, which SQLite and PostgreSQL unnest differently: the database groups replies by their
    # rule list (as text), so each distinct list is parsed once here, however many replies share it.
    rule_list = cast(Event.rules, Text).label("rule_list")
    sent = _filtered(
        select(Event.day, Event.agent, Event.verdict, rule_list, func.count()).where(Event.kind == "sent"),
        start,
        end,
        agent,
    ).group_by(Event.day, Event.agent, Event.verdict, rule_list)
    parsed: dict[str | None, set[str]] = {}
    for day, who, verdict, rules_text, count in session.execute(sent):
        if rules_text not in parsed:
            parsed[rules_text] = set(json.loads(rules_text) or ()) if rules_text else set()
        key_day, key_agent = day.isoformat(), who or NO_AGENT
        found.sent[(verdict or "ok", key_day, key_agent)] += count
        for rule in parsed[rules_text]:
            found.rule_hits[(rule, key_day, key_agent)] += count
    overall = reply_times(session, _conditions(start, end, agent), per_agent=False).get(None)
    if overall is not None:
        found.replies_timed, found.median_reply_ms = overall.count, overall.median_ms
    used = _filtered(
        select(Event.phrase_id, func.count()).where(Event.kind == "used", Event.phrase_id.is_not(None)),
        start,
        end,
        agent,
    ).group_by(Event.phrase_id)
    # the query skips NULL phrase ids; the test only narrows the type
    found.used.update({pid: count for pid, count in session.execute(used) if pid is not None})
    for pid, title, enabled in session.execute(select(Phrase.id, Phrase.title, Phrase.enabled)):
        found.titles[pid] = title
        if enabled:
            found.phrases[pid] = title
    return found
