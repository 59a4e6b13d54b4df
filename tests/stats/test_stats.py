"""Stats from real sidebar frames: rules tripped per day and agent, verdicts of sent replies, phrase use,
reply time; CSV export; no message text kept unless asked."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
from sqlalchemy import select

from copilot.stats.recorder import EventWriter
from copilot.store import Store, open_store
from copilot.store.models import Event
from tests.stats.conftest import StatsServer

BLOCKED = "不好意思,你的快递明天一定到"
CLEAN = "好的,已经为您备注了"


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def stats(served: StatsServer, path: str = "/v1/stats", **params: str) -> httpx.Response:
    return httpx.get(served.server.url + path, params=params, headers=served.lead, timeout=10)


def a_day_of_work(served: StatsServer, first: str, second: str) -> None:
    answers = served.sidebar(
        first,
        [
            {"type": "customer", "conversation": f"order-{first}", "text": "能开发票吗"},
            {"type": "used", "phrase": "invoice-01"},
            {"type": "sent", "conversation": f"order-{first}", "text": BLOCKED},
        ],
    )
    assert [a["type"] for a in answers] == ["suggestions", "recorded", "recorded"]
    served.sidebar(
        second,
        [
            {"type": "used", "phrase": "invoice-01"},
            {"type": "sent", "conversation": f"order-{second}", "text": CLEAN},
        ],
    )


def test_stats_count_what_one_agents_sidebar_sent(stats_server: StatsServer) -> None:
    a_day_of_work(stats_server, "27", "31")
    found = stats(stats_server, agent="27").json()
    assert found["agent"] == "27" and found["sent"] == {"total": 1, "ok": 0, "warn": 0, "block": 1}
    tripped = {r["rule"]: r for r in found["rules"]}
    assert {"style.bu-words", "style.polite-pronoun", "promise.arrival-guarantee"} <= set(tripped)
    assert tripped["promise.arrival-guarantee"] == {
        "rule": "promise.arrival-guarantee",
        "message": tripped["promise.arrival-guarantee"]["message"],
        "count": 1,
        "by_day": {today(): 1},
        "by_agent": {"27": 1},
    }
    assert found["phrases"]["used"] == [{"id": "invoice-01", "title": "可以开发票", "count": 1}]
    assert found["phrases"]["never_used"] == [{"id": "ship-01", "title": "发货时间"}]  # refund-01 is disabled
    assert found["reply_time"]["count"] == 1 and 0 <= found["reply_time"]["median_s"] < 30
    other = stats(stats_server, agent="31").json()
    assert other["sent"] == {"total": 1, "ok": 1, "warn": 0, "block": 0} and other["rules"] == []
    assert other["reply_time"] == {"median_s": None, "count": 0}  # no customer message to answer


def test_stats_over_every_agent_and_by_day(stats_server: StatsServer) -> None:
    a_day_of_work(stats_server, "41", "42")
    everyone = stats(stats_server).json()
    assert everyone["sent"]["total"] >= 2
    guarantee = next(r for r in everyone["rules"] if r["rule"] == "promise.arrival-guarantee")
    assert guarantee["by_agent"]["41"] == 1 and "42" not in guarantee["by_agent"]
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date().isoformat()
    assert stats(stats_server, **{"from": tomorrow, "agent": "41"}).json()["sent"]["total"] == 0
    assert stats(stats_server, **{"from": today(), "to": today(), "agent": "41"}).json()["sent"]["total"] == 1


def test_bad_stats_requests_get_specific_answers(stats_server: StatsServer) -> None:
    bad = stats(stats_server, **{"from": "2024-13-01"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]["message"]
    backwards = stats(stats_server, **{"from": "2024-05-02", "to": "2024-05-01"})
    assert backwards.status_code == 422 and "晚于" in backwards.json()["error"]["message"]
    assert stats(stats_server, agent="27\x00").status_code == 422
    for path in ("/v1/stats", "/v1/stats/export.csv"):
        assert httpx.get(stats_server.server.url + path, timeout=10).status_code == 401
    [answer] = stats_server.sidebar("27", [{"type": "used", "phrase": "不是短语 ID"}])
    assert answer["type"] == "error" and answer["code"] == "unknown_phrase"


def test_the_csv_export_opens_in_excel(stats_server: StatsServer) -> None:
    a_day_of_work(stats_server, "51", "52")
    response = stats(stats_server, "/v1/stats/export.csv", to=today(), agent="51")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert f'filename="stats-all-{today()}.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["指标", "名称", "说明", "日期", "客服", "数值"]
    [guarantee] = [r for r in rows if r[:2] == ["规则触发", "promise.arrival-guarantee"]]
    assert guarantee[2] and guarantee[3:] == [today(), "51", "1"]  # the rule's message explains it
    assert ["发送", "禁止发送", "block", today(), "51", "1"] in rows
    assert ["话术使用", "invoice-01", "可以开发票", "", "", "1"] in rows
    assert ["话术从未使用", "ship-01", "发货时间", "", "", "0"] in rows
    assert rows[-1][0] == "回复时间中位数(秒)" and rows[-1][2] == "1 次回复"


def test_no_message_text_and_no_conversation_id_is_stored_by_default(stats_server: StatsServer) -> None:
    a_day_of_work(stats_server, "61", "62")
    stats(stats_server)  # flushes the worker's queue
    store = Store.from_url(stats_server.database_url)
    try:
        with store.begin() as session:
            events = list(session.scalars(select(Event).where(Event.agent == "61").order_by(Event.id)))
    finally:
        store.dispose()
    assert [e.kind for e in events] == ["used", "sent"] and all(e.text is None for e in events)
    sent = events[1]
    assert sent.conversation == hashlib.sha256(b"order-61").hexdigest()[:16]
    assert sent.verdict == "block" and "promise.arrival-guarantee" in sent.rules and sent.reply_ms is not None


def test_the_writer_batches_off_the_loop_and_keeps_text_only_when_asked(
    database_url: str, phrasebank_dir: Path
) -> None:
    store = open_store(database_url, phrasebank_dir)
    keeping, plain = EventWriter(store, UTC, keep_text=True), EventWriter(store, UTC)

    async def run() -> tuple[int, int]:
        keeping.sent(agent="27\x00", conversation="c", verdict="ok", rules=[], reply_ms=None, text="好\x00的\ud800")
        plain.sent(agent="27", conversation="c", verdict="ok", rules=[], reply_ms=None, text=BLOCKED)
        with store.begin() as session:
            before = len(list(session.scalars(select(Event.id))))  # nothing is written inline
        return before, await keeping.flush() + await plain.flush()

    try:
        assert asyncio.run(run()) == (0, 2)
        with store.begin() as session:
            stored = list(session.execute(select(Event.agent, Event.text).order_by(Event.id)))
        # NUL and lone surrogates cannot be stored anywhere; one such event must not poison the batch.
        assert [tuple(row) for row in stored] == [("27\ufffd", "好\ufffd的\ufffd"), ("27", None)]
    finally:
        store.dispose()
