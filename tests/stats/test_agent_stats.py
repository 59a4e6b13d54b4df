"""The per-agent table and by-day series (GET /v1/stats/agents and its CSV exports) over a known set of
recorded events: exact median and p90, date-range boundaries and validation, who sees which rows, CSV escaping."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from sqlalchemy import insert

from copilot.store import Store
from copilot.store.models import Event
from tests.conftest import make_token
from tests.stats.conftest import StatsServer

RANGE = {"from": "2024-02-10", "to": "2024-02-12"}
GUARANTEE, BU, PRONOUN = "promise.arrival-guarantee", "style.bu-words", "style.polite-pronoun"
GONE = "shop.deleted-rule"  # a shop rule deleted since: counted as 本店规则
FORMULA = "=HYPERLINK(1)"


def sent(agent: str, day: str, reply_ms: int | None, rules: list[str] | None = None) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "day": date.fromisoformat(day),
        "kind": "sent",
        "agent": agent,
        "verdict": "ok",
        "rules": rules or [],
        "reply_ms": reply_ms,
    }


def used(agent: str, day: str) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "day": date.fromisoformat(day),
        "kind": "used",
        "agent": agent,
        "phrase_id": "ship-01",
        "rules": [],
    }


KNOWN_EVENTS = [
    # xiaoli (an agent with a login): reply times 4, 1, 3, 2 s and one untimed reply; 2 phrases used
    sent("xiaoli", "2024-02-10", 4000, [GUARANTEE, BU]),
    sent("xiaoli", "2024-02-10", 1000, [BU, PRONOUN]),
    sent("xiaoli", "2024-02-11", 3000),
    sent("xiaoli", "2024-02-12", 2000, [GONE]),
    sent("xiaoli", "2024-02-12", None),
    used("xiaoli", "2024-02-10"),
    used("xiaoli", "2024-02-12"),
    # wangwu: ten replies, 0.1 s … 1.0 s, all on the 11th
    *(sent("wangwu", "2024-02-11", 100 * n, [GUARANTEE] if n <= 3 else []) for n in range(1, 11)),
    # an agent number a spreadsheet would take for a formula
    sent(FORMULA, "2024-02-12", 700),
    # just outside the range on both sides
    sent("xiaoli", "2024-02-09", 99_000, [GUARANTEE]),
    used("xiaoli", "2024-02-13"),
    sent("wangwu", "2024-02-13", 99_000),
]


@pytest.fixture(scope="module")
def known(stats_server: StatsServer) -> Iterator[dict[str, dict[str, str]]]:
    """The known events written to the server's database; answers the lead's and the agent's headers."""
    store = Store.from_url(stats_server.database_url)
    try:
        with store.begin() as session:
            session.execute(insert(Event), KNOWN_EVENTS)
        agent_token = make_token(store, "xiaoli", "agent")
    finally:
        store.dispose()
    yield {"lead": stats_server.lead, "agent": {"Authorization": f"Bearer {agent_token}"}}


def get(served: StatsServer, who: dict[str, str], path: str = "/v1/stats/agents", **params: str) -> httpx.Response:
    return httpx.get(served.server.url + path, params=params, headers=who, timeout=10)


def test_the_lead_sees_every_agents_figures_with_exact_median_and_p90(
    stats_server: StatsServer, known: dict[str, dict[str, str]]
) -> None:
    found = get(stats_server, known["lead"], **RANGE).json()
    assert (found["from"], found["to"], found["scope"], found["agent"]) == ("2024-02-10", "2024-02-12", "team", None)
    assert found["timezone"] == "Asia/Shanghai"
    assert {"id": "promise", "name": "承诺时效或保证"} in found["classes"]
    assert found["agents"] == [
        {
            "agent": "wangwu",
            "answered": 10,
            "used": 0,
            "reply_time": {"count": 10, "median_ms": 550, "p90_ms": 900},
            "rule_hits": {"total": 3, "by_class": {"promise": 3}},
        },
        {
            "agent": "xiaoli",
            "answered": 5,
            "used": 2,
            "reply_time": {"count": 4, "median_ms": 2500, "p90_ms": 4000},
            "rule_hits": {"total": 5, "by_class": {"promise": 1, "style": 3, "custom": 1}},
        },
        {
            "agent": FORMULA,
            "answered": 1,
            "used": 0,
            "reply_time": {"count": 1, "median_ms": 700, "p90_ms": 700},
            "rule_hits": {"total": 0, "by_class": {}},
        },
    ]
    assert found["days"] == [
        {"day": "2024-02-10", "answered": 2, "rule_hits": 4},
        {"day": "2024-02-11", "answered": 11, "rule_hits": 3},
        {"day": "2024-02-12", "answered": 3, "rule_hits": 1},
    ]


def test_the_date_range_includes_both_ends_and_defaults_to_the_last_seven_days(
    stats_server: StatsServer, known: dict[str, dict[str, str]]
) -> None:
    odd = get(stats_server, known["lead"], **{"from": "2024-02-09", "to": "2024-02-10", "agent": "xiaoli"}).json()
    [xiaoli] = odd["agents"]
    assert (xiaoli["answered"], xiaoli["reply_time"]) == (3, {"count": 3, "median_ms": 4000, "p90_ms": 99_000})
    assert [d["day"] for d in odd["days"]] == ["2024-02-09", "2024-02-10"]
    last = get(stats_server, known["lead"], **{"from": "2024-02-13", "to": "2024-02-13"}).json()
    assert {(a["agent"], a["answered"], a["used"]) for a in last["agents"]} == {("xiaoli", 0, 1), ("wangwu", 1, 0)}
    quiet = get(stats_server, known["lead"], **{"from": "2024-03-01", "to": "2024-03-01", "agent": "nobody"}).json()
    assert quiet["agents"] == [
        {
            "agent": "nobody",
            "answered": 0,
            "used": 0,
            "reply_time": {"count": 0, "median_ms": None, "p90_ms": None},
            "rule_hits": {"total": 0, "by_class": {}},
        }
    ]
    default = get(stats_server, known["lead"]).json()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert (default["from"], default["to"]) == ((today - timedelta(days=6)).isoformat(), today.isoformat())
    assert len(default["days"]) == 7
    leap_year = get(stats_server, known["lead"], **{"from": "2024-01-01", "to": "2024-12-31"}).json()
    assert len(leap_year["days"]) == 366 and leap_year["days"][40]["answered"] == 2  # 2024-02-10


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2024-02-12", "to": "2024-02-10"}, "from", "晚于结束日期"),
        ({"from": "2023-01-01", "to": "2024-01-02"}, "to", "超过了 366 天"),
        ({"from": "2024-02-30"}, "from", "YYYY-MM-DD"),
        ({"to": "20240210"}, "to", "YYYY-MM-DD"),
    ],
)
def test_a_bad_range_is_refused_in_chinese(
    stats_server: StatsServer, known: dict[str, dict[str, str]], params: dict[str, str], field: str, words: str
) -> None:
    for path in ("/v1/stats/agents", "/v1/stats/agents/export.csv"):
        answer = get(stats_server, known["lead"], path, **params)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert words in error["message"] and error["details"][0]["field"] == field


def test_an_agent_sees_only_their_own_row_and_cannot_export(
    stats_server: StatsServer, known: dict[str, dict[str, str]]
) -> None:
    mine = get(stats_server, known["agent"], **RANGE).json()
    assert (mine["scope"], mine["agent"]) == ("agent", "xiaoli")
    assert [a["agent"] for a in mine["agents"]] == ["xiaoli"]
    assert mine["days"][1] == {"day": "2024-02-11", "answered": 1, "rule_hits": 0}  # wangwu's ten are not counted
    assert get(stats_server, known["agent"], **RANGE, agent="xiaoli").status_code == 200
    other = get(stats_server, known["agent"], **RANGE, agent="wangwu")
    assert other.status_code == 403 and "只能查看自己的统计" in other.json()["error"]["message"]
    for path in ("/v1/stats/agents/export.csv", "/v1/stats/days/export.csv"):
        refused = get(stats_server, known["agent"], path, **RANGE)
        assert refused.status_code == 403 and "只有主管/管理员可以导出统计" in refused.json()["error"]["message"]
        assert get(stats_server, {}, path, **RANGE).status_code == 401
    assert get(stats_server, known["agent"], "/v1/stats/export.csv").status_code == 403
    assert get(stats_server, {}, **RANGE).status_code == 401


def test_the_csv_exports_keep_the_filter_and_escape_formulas(
    stats_server: StatsServer, known: dict[str, dict[str, str]]
) -> None:
    answer = get(stats_server, known["lead"], "/v1/stats/agents/export.csv", **RANGE)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="stats-agents-2024-02-10-2024-02-12.csv"' in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:6] == ["客服", "回复数", "计时回复数", "回复时间中位数（秒）", "回复时间P90（秒）", "规则触发合计"]
    assert header[-1] == "使用话术次数" and "规则触发·承诺时效或保证" in header
    by_agent = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_agent) == ["wangwu", "xiaoli", "'" + FORMULA]  # kept text when Excel opens it
    xiaoli = by_agent["xiaoli"]
    assert (xiaoli["回复数"], xiaoli["回复时间中位数（秒）"], xiaoli["回复时间P90（秒）"]) == ("5", "2.5", "4.0")
    assert (xiaoli["规则触发·用语规范"], xiaoli["规则触发·本店规则"], xiaoli["使用话术次数"]) == ("3", "1", "2")
    one = get(stats_server, known["lead"], "/v1/stats/agents/export.csv", **RANGE, agent="wangwu")
    assert [row[0] for row in csv.reader(io.StringIO(one.content.decode("utf-8-sig")))] == ["客服", "wangwu"]
    days = get(stats_server, known["lead"], "/v1/stats/days/export.csv", **RANGE)
    assert 'filename="stats-days-2024-02-10-2024-02-12.csv"' in days.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(days.content.decode("utf-8-sig")))) == [
        ["日期", "回复数", "规则触发"],
        ["2024-02-10", "2", "4"],
        ["2024-02-11", "11", "3"],
        ["2024-02-12", "3", "1"],
    ]
