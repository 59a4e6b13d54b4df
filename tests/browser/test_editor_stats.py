"""The 统计 tab in a real browser: a lead sees the per-agent table and the by-day chart and can export them;
an agent sees only their own row and no export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import insert

from copilot.store import Store
from copilot.store.models import Event
from tests.conftest import PASSWORD, LiveServer, make_user

pytestmark = pytest.mark.browser

FAST_LOGIN = {"COPILOT_PASSWORD_TIME_COST": "1", "COPILOT_PASSWORD_MEMORY_KIB": "1024"}
XSS = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose database holds a lead, an agent and a few days of recorded replies."""
    live = LiveServer(tmp_path_factory.mktemp("editor-stats"), env=FAST_LOGIN).start()
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    def sent(agent: str, days_ago: int, reply_ms: int, rules: list[str]) -> dict[str, object]:
        return {
            "at": datetime.now(UTC),
            "day": today - timedelta(days=days_ago),
            "kind": "sent",
            "agent": agent,
            "verdict": "ok",
            "rules": rules,
            "reply_ms": reply_ms,
        }

    store = Store.from_url(live.env["COPILOT_DATABASE_URL"])
    try:
        make_user(store, "zhuguan", "lead")
        make_user(store, "xiaoli", "agent")
        with store.begin() as session:
            session.execute(
                insert(Event),
                [
                    sent("xiaoli", 0, 2000, ["promise.arrival-guarantee"]),
                    sent("xiaoli", 1, 4000, []),
                    sent(XSS, 1, 1000, ["style.bu-words"]),
                ],
            )
    finally:
        store.dispose()
    yield live
    live.stop()


@pytest.fixture
def context(editor_context: BrowserContext) -> BrowserContext:
    return editor_context  # the editor's size and checks (tests/browser/conftest.py)


def open_stats(context: BrowserContext, server: LiveServer, name: str) -> Page:
    answer = context.request.post(f"{server.url}/v1/auth/login", data={"name": name, "password": PASSWORD})
    assert answer.ok, answer.text()
    page = context.new_page()
    page.goto(f"{server.url}/editor#stats")
    expect(page.locator("#who")).to_contain_text(name)
    return page


def test_a_lead_sees_every_agent_and_the_day_chart_and_an_agent_only_themself_without_export(
    context: BrowserContext, browser: Browser, server: LiveServer
) -> None:
    page = open_stats(context, server, "zhuguan")
    rows = page.locator("#s-agents tbody tr")
    expect(rows).to_have_count(2)
    xiaoli = page.locator('#s-agents tbody tr[data-agent="xiaoli"]')
    expect(xiaoli).to_contain_text("3.0 秒")  # median of 2 s and 4 s
    expect(xiaoli).to_contain_text("4.0 秒")  # p90
    expect(page.locator("#s-agents thead")).to_contain_text("承诺时效或保证")  # rule hits by class, in Chinese
    expect(page.locator("#s-agents tbody")).to_contain_text(XSS)  # an agent name stays text
    assert page.evaluate("window.__pwned") is None and page.locator('img[src="x"]').count() == 0
    chart = page.locator('svg[data-chart="days"]')
    expect(chart.locator("g.day")).to_have_count(7)  # the last 7 days by default
    expect(chart.locator("g.day").last.locator("text.bar-value").first).to_have_text("1")  # values labelled
    expect(page.locator("#s-from")).not_to_have_value("")  # filled with the server's (shop time zone) start
    for link in ("#s-csv", "#s-agents-csv", "#s-days-csv"):
        expect(page.locator(link)).to_be_visible()
    start = page.input_value("#s-from")
    expect(page.locator("#s-agents-csv")).to_have_attribute("href", f"/v1/stats/agents/export.csv?from={start}")
    csv = context.request.get(server.url + page.locator("#s-agents-csv").get_attribute("href"))
    assert csv.ok and "xiaoli,2," in csv.text()
    page.fill("#s-to", "2020-01-01")
    page.click("#s-form button[type=submit]")
    expect(page.locator("#s-error")).to_contain_text("晚于结束日期")
    expect(page.locator("#s-from")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#s-agents")).to_have_count(0)  # no figures left over from the last good range

    agent = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = open_stats(agent, server, "xiaoli")
        expect(page.locator("#s-agents tbody tr")).to_have_count(1)
        expect(page.locator("#s-agents tbody tr")).to_have_attribute("data-agent", "xiaoli")
        expect(page.locator('svg[data-chart="days"] g.day')).to_have_count(7)
        for hidden in ("#s-csv", "#s-agent"):
            expect(page.locator(hidden)).to_be_hidden()
        expect(page.locator("#s-agents-csv, #s-days-csv")).to_have_count(0)
        refused = agent.request.get(f"{server.url}/v1/stats/agents/export.csv")
        assert refused.status == 403 and "只有主管/管理员可以导出统计" in refused.text()
    finally:
        agent.close()
