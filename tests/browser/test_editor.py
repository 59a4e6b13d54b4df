"""The team lead's editor (/editor) in a real browser against a real `kefu-copilot serve`, with an
agent's sidebar open beside it where the change has to show up."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from copilot.store import Store
from tests.browser.conftest import watch_csp
from tests.conftest import PASSWORD, LiveServer, make_user

pytestmark = pytest.mark.browser

FAST_LOGIN = {"COPILOT_PASSWORD_TIME_COST": "1", "COPILOT_PASSWORD_MEMORY_KIB": "1024"}
XSS = '<img src=x onerror="window.__pwned=1">'

NewContext = Callable[..., BrowserContext]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, with two leads and an agent created in its database."""
    live = LiveServer(tmp_path_factory.mktemp("editor"), env=FAST_LOGIN).start()
    store = Store.from_url(live.env["COPILOT_DATABASE_URL"])
    try:
        for name, role in (("wang", "lead"), ("li", "lead"), ("xiaozhang", "agent")):
            make_user(store, name, role)
    finally:
        store.dispose()
    yield live
    live.stop()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[NewContext]:
    """Fresh contexts (each its own cookies); every page in them must run without a script error or a CSP
    violation."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []
    errors_from_csp: list[list[str]] = []

    def make(width: int = 1280, height: int = 800) -> BrowserContext:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(5_000)
        context.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
        errors_from_csp.append(watch_csp(context))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert errors == []
    assert [v for violations in errors_from_csp for v in violations] == []


def open_editor(context: BrowserContext, server: LiveServer, name: str, tab: str = "phrases") -> Page:
    """Log `name` in through the API (the cookie lands in the context) and open the editor on a tab."""
    answer = context.request.post(f"{server.url}/v1/auth/login", data={"name": name, "password": PASSWORD})
    assert answer.ok, answer.text()
    page = context.new_page()
    page.goto(f"{server.url}/editor#{tab}")
    expect(page.locator("#who")).to_contain_text(name)
    if tab == "phrases":
        expect(page.locator("#p-list .prow").first).to_be_visible()
    return page


def open_sidebar(context: BrowserContext, server: LiveServer, conversation: str) -> Page:
    page = context.new_page()
    page.goto(f"{server.url}/?c={conversation}")
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    return page


def open_phrase(page: Page, query: str, phrase_id: str) -> None:
    page.fill("#p-search", query)
    page.click(f'#p-list .prow[data-id="{phrase_id}"]')
    expect(page.locator("#p-meta")).to_contain_text(phrase_id)


def api_phrase(server: LiveServer, phrase_id: str) -> dict:
    return httpx.get(f"{server.url}/v1/phrases/{phrase_id}").json()


def assert_inert(page: Page) -> None:
    assert page.evaluate("window.__pwned") is None
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("script:not([type=module])").count() == 0


def test_a_lead_logs_in_adds_a_phrase_and_the_sidebar_suggests_it_within_two_seconds(
    new_context: NewContext, server: LiveServer
) -> None:
    sidebar = open_sidebar(new_context(360, 800), server, "editor-new-phrase")
    page = new_context().new_page()
    page.goto(f"{server.url}/editor")
    page.fill("#login-name", "wang")
    page.fill("#login-password", PASSWORD)
    page.press("#login-password", "Enter")
    expect(page.locator("#who")).to_contain_text("wang")
    expect(page.locator("#who")).to_contain_text("主管")

    page.click("#p-new")
    page.fill("#f-title", "果酱开封后保存")
    page.fill("#f-shortcut", "GJ1")  # taken: the clash shows before saving, case-insensitively
    expect(page.locator('#p-form .field-error[data-for="shortcut"]')).to_contain_text("改价后再付款")
    page.fill("#f-shortcut", "Jam1")
    expect(page.locator('#p-form .field-error[data-for="shortcut"]')).to_be_empty()
    page.select_option("#f-group", "售前")
    page.select_option("#f-intent", "product_info")
    page.fill("#f-examples", "蓝莓果酱开封后能放多久\n果酱开了盖怎么保存")
    page.fill("#f-keywords", "果酱\n开封")
    # the body is linted live, with the sidebar's rules, underlines and fixes
    page.click("#f-body")
    page.keyboard.insert_text("亲,不好意思,蓝莓果酱开封后请冷藏保存,建议30天内吃完~")
    expect(page.locator("#f-backdrop-text mark.sev-warning")).to_have_text("不好意思")
    expect(page.locator("#f-verdict")).to_have_attribute("data-verdict", "warn")
    page.locator("#f-diags .diag", has_text="不好意思").locator("button.fix").first.click()
    expect(page.locator("#f-body")).to_have_value("亲,非常抱歉,蓝莓果酱开封后请冷藏保存,建议30天内吃完~")
    expect(page.locator("#f-verdict")).to_have_attribute("data-verdict", "ok")
    page.keyboard.press("Control+s")
    expect(page.locator("#toast")).to_contain_text("已新建")
    saved = time.monotonic()

    sidebar.fill("#paste", "蓝莓果酱开封以后能放多久呀")
    sidebar.press("#paste", "Enter")
    expect(sidebar.locator("#suggestions .card-title", has_text="果酱开封后保存")).to_be_visible(timeout=2_000)
    assert time.monotonic() - saved < 2.0
    expect(page.locator("#p-list .prow", has_text="果酱开封后保存")).to_contain_text("/jam1")


def test_a_forbidden_word_added_in_shop_rules_is_flagged_in_the_sidebar_within_two_seconds(
    new_context: NewContext, server: LiveServer
) -> None:
    sidebar = open_sidebar(new_context(360, 800), server, "editor-rule")
    page = open_editor(new_context(), server, "wang", "rules")
    expect(page.locator("#r-default tr").first).to_be_visible()

    # a regular expression the linear-time engine cannot run (a backreference) is refused, with the
    # server's reason at the field
    page.click("#r-new")
    page.select_option("#r-kind", "regex")
    page.fill("#r-term", r"(好)\1")
    page.click("#r-save")
    expect(page.locator('#r-form .field-error[data-for="term"]')).not_to_be_empty()
    expect(page.locator("#r-term")).to_have_attribute("aria-invalid", "true")

    page.select_option("#r-kind", "forbid")
    page.fill("#r-term", "绝对最低价")
    page.fill("#r-replacements", "已经是活动价")
    page.click("#r-save")
    expect(page.locator("#r-shop tr", has_text="绝对最低价")).to_be_visible()
    saved = time.monotonic()

    sidebar.click("#draft")
    sidebar.keyboard.insert_text("亲,这已经是绝对最低价了呢")
    expect(sidebar.locator("#backdrop mark.sev-error")).to_have_text("绝对最低价", timeout=2_000)
    assert time.monotonic() - saved < 2.0
    expect(sidebar.locator("#verdict")).to_have_attribute("data-verdict", "block")


def test_a_save_conflict_shows_both_versions_and_keep_mine_loses_nothing(
    new_context: NewContext, server: LiveServer
) -> None:
    first = open_editor(new_context(), server, "wang")
    second = open_editor(new_context(), server, "li")
    for page in (first, second):
        open_phrase(page, "fp1", "invoice-01")
    original = api_phrase(server, "invoice-01")

    first.fill("#f-body", "亲,可以开发票的,请在订单备注里写上抬头和税号~")
    first.fill("#f-examples", "能开发票吗\n可以开专票吗")
    first.click("#p-save")
    expect(first.locator("#toast")).to_contain_text("已保存")

    second.fill("#f-title", "开发票说明")
    second.fill("#f-body", "亲,我们提供正规发票,下单时备注抬头和税号即可~")
    second.click("#p-save")
    conflict = second.locator("#p-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("我的版本")
    expect(conflict).to_contain_text("当前版本")
    body_row = conflict.locator('tr[data-field="body"]')
    expect(body_row.locator(".cmp-mine")).to_contain_text("我们提供正规发票")
    expect(body_row.locator(".cmp-theirs")).to_contain_text("请在订单备注里写上抬头和税号")
    expect(conflict.locator('tr[data-field="examples"] .cmp-theirs')).to_contain_text("可以开专票吗")

    conflict.locator('[data-act="keep-mine"]').click()
    expect(second.locator("#toast")).to_contain_text("已保存")
    expect(conflict).to_be_hidden()

    stored = api_phrase(server, "invoice-01")
    assert stored["version"] == original["version"] + 2
    assert stored["title"] == "开发票说明"
    assert stored["body"] == "亲,我们提供正规发票,下单时备注抬头和税号即可~"
    assert stored["examples"] == ["能开发票吗", "可以开专票吗"]  # the first lead's edit to a field I left alone
    history = httpx.get(f"{server.url}/v1/phrases/invoice-01/history").json()
    assert [h["changed_by"] for h in history[-2:]] == ["wang", "li"]
    assert history[-2]["after"]["body"] == "亲,可以开发票的,请在订单备注里写上抬头和税号~"

    # the first lead's history dialog shows both changes, and can bring the first one back
    first.reload()
    open_phrase(first, "开发票说明", "invoice-01")
    first.click("#p-history")
    entries = first.locator("#history-list .h-entry")
    expect(entries.first).to_contain_text("li")
    expect(entries.first.locator(".h-diff")).to_contain_text("标题")
    entries.nth(1).locator("button.restore").click()
    expect(first.locator("#toast")).to_contain_text("已恢复")
    assert api_phrase(server, "invoice-01")["body"] == "亲,可以开发票的,请在订单备注里写上抬头和税号~"


def test_xss_in_phrases_and_rules_renders_inert_everywhere(new_context: NewContext, server: LiveServer) -> None:
    token = server.api_token("lead")
    auth = {"Authorization": f"Bearer {token}"}
    title = f"{XSS}果酱标题"
    body = f"亲,<script>window.__pwned=2</script>{XSS}请查收果酱~"
    created = httpx.post(
        f"{server.url}/v1/phrases",
        headers=auth,
        json={
            "title": title,
            "body": body,
            "intent": "product_info",
            "group": "售前",
            "shortcut": "xss9",
            "examples": ["脚本测试草莓果酱"],
            "keywords": ["脚本测试"],
        },
    )
    assert created.status_code == 201, created.text
    phrase_id = created.json()["id"]
    rule = httpx.post(
        f"{server.url}/v1/rules",
        headers=auth,
        json={
            "kind": "forbid",
            "term": "<b>坏词</b>",
            "message": f"{XSS}不要说",
            "replacements": [XSS],
        },
    )
    assert rule.status_code == 201, rule.text

    page = open_editor(new_context(), server, "wang")
    open_phrase(page, "xss9", phrase_id)
    expect(page.locator(f'#p-list .prow[data-id="{phrase_id}"] .prow-title')).to_have_text(title)
    expect(page.locator("#f-title")).to_have_value(title)
    expect(page.locator("#f-body")).to_have_value(body)
    expect(page.locator("#f-backdrop-text")).to_contain_text("<script>")
    page.click("#p-history")
    expect(page.locator("#history-list")).to_contain_text(XSS)
    page.click("#history-close")

    page.click('.tab[data-tab="bench"]')
    page.fill("#b-message", "脚本测试草莓果酱")
    page.press("#b-message", "Enter")
    expect(page.locator("#b-suggestions .card-title").first).to_have_text(title)
    expect(page.locator("#b-suggestions .card-text").first).to_contain_text("<script>")

    page.click('.tab[data-tab="rules"]')
    row = page.locator("#r-shop tr", has_text="坏词")
    expect(row.locator(".term")).to_have_text("<b>坏词</b>")
    expect(row.locator(".msg-cell")).to_have_text(f"{XSS}不要说")
    assert_inert(page)

    sidebar = open_sidebar(new_context(360, 800), server, "editor-xss")
    sidebar.fill("#paste", "脚本测试草莓果酱")
    sidebar.press("#paste", "Enter")
    expect(sidebar.locator("#suggestions .card-title").first).to_have_text(title)
    sidebar.click("#draft")
    sidebar.keyboard.insert_text("这是<b>坏词</b>")
    expect(sidebar.locator("#diags")).to_contain_text("不要说")
    assert_inert(sidebar)


CSV_HEAD = "ID,分组,快捷编码,短语内容,标题,意图\n"


def test_import_previews_added_changed_and_refused_rows_before_applying(
    new_context: NewContext, server: LiveServer
) -> None:
    page = open_editor(new_context(), server, "wang", "io")
    bad = CSV_HEAD + 'ship-01,,fh1,"亲,付款后24小时内发货~",,\n,售前,imp2,新话术内容,新话术,不存在的意图\n'
    page.set_input_files("#i-file", {"name": "坏文件.csv", "mimeType": "text/csv", "buffer": bad.encode("utf-8-sig")})
    refused = page.locator("#i-refused")
    expect(refused).to_be_visible()
    expect(refused.locator("tbody tr")).to_have_count(1)
    expect(refused.locator("tbody tr").first).to_contain_text("第 3 行")
    expect(refused.locator("tbody tr").first).to_contain_text("不存在的意图")
    expect(page.locator("#i-apply")).to_be_disabled()

    good = CSV_HEAD + (
        'ship-01,,fh1,"亲,付款后24小时内为您安排发货~",,\n'
        ',售前,imp1,"亲,这款果酱是手工熬制的~",导入的新话术,product_info\n'
    )
    page.set_input_files("#i-file", {"name": "话术.csv", "mimeType": "text/csv", "buffer": good.encode("utf-8-sig")})
    preview = page.locator("#i-preview")
    expect(preview).to_contain_text("尚未导入")
    expect(preview.locator('[data-kind="added"] .count')).to_have_text("1")
    expect(preview.locator('[data-kind="updated"] .count')).to_have_text("1")
    expect(preview.locator('[data-kind="updated"]')).to_contain_text("发货时间")
    expect(preview.locator('[data-kind="refused"] .count')).to_have_text("0")
    assert httpx.get(f"{server.url}/v1/phrases", params={"q": "imp1"}).json() == []
    assert api_phrase(server, "ship-01")["body"] != "亲,付款后24小时内为您安排发货~"

    page.click("#i-apply")
    expect(preview).to_contain_text("已导入")
    assert [p["title"] for p in httpx.get(f"{server.url}/v1/phrases", params={"q": "imp1"}).json()] == ["导入的新话术"]
    assert api_phrase(server, "ship-01")["body"] == "亲,付款后24小时内为您安排发货~"
    page.click('.tab[data-tab="phrases"]')
    page.fill("#p-search", "imp1")
    expect(page.locator("#p-list .prow")).to_have_count(1)


def test_login_failures_are_explained_and_an_agent_sees_a_read_only_editor(
    new_context: NewContext, server: LiveServer
) -> None:
    context = new_context()
    page = context.new_page()
    page.goto(f"{server.url}/editor")
    page.fill("#login-name", "wang")
    page.fill("#login-password", "wrong-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误")
    expect(page.locator("#tabs")).to_be_hidden()
    for _ in range(5):
        context.request.post(f"{server.url}/v1/auth/login", data={"name": "nobody-here", "password": "x"})
    page.fill("#login-name", "nobody-here")
    page.fill("#login-password", "whatever")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("登录失败次数过多")

    page.fill("#login-name", "xiaozhang")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#who")).to_contain_text("客服")
    expect(page.locator("#readonly-note")).to_be_visible()
    expect(page.locator("#readonly-note")).to_contain_text("只有主管/管理员可以编辑")
    expect(page.locator("#p-new")).to_be_hidden()
    open_phrase(page, "fh1", "ship-01")
    expect(page.locator("#f-title")).not_to_be_editable()
    expect(page.locator("#f-body")).not_to_be_editable()
    expect(page.locator("#p-save")).to_be_hidden()
    expect(page.locator("#p-delete")).to_be_hidden()
    expect(page.locator("#f-verdict")).not_to_have_attribute("data-verdict", "pending")  # still linted, to read
    page.click('.tab[data-tab="rules"]')
    expect(page.locator("#r-new")).to_be_hidden()
    expect(page.locator("#r-default input[type=checkbox]").first).to_be_disabled()

    page.click("#logout")
    expect(page.locator("#login-form")).to_be_visible()
    assert httpx.get(f"{server.url}/v1/auth/me", cookies=dict_cookies(context)).status_code == 401


def dict_cookies(context: BrowserContext) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies()}


def test_stats_draw_rule_and_verdict_charts_and_link_the_csv(new_context: NewContext, server: LiveServer) -> None:
    sidebar = open_sidebar(new_context(360, 800), server, "editor-stats")
    for text in ("不好意思,你的快递明天一定到", "好的呢,马上为您安排"):
        sidebar.evaluate("t => window.kefu.socket.send({type: 'sent', conversation: 'editor-stats', text: t})", text)
    sidebar.evaluate("() => window.kefu.socket.send({type: 'used', phrase: 'ship-01'})")
    time.sleep(0.8)  # events are written in batches every half second
    page = open_editor(new_context(), server, "wang", "stats")
    expect(page.locator('svg[data-chart="rules"] g.bar').first).to_be_visible()
    expect(page.locator('svg[data-chart="rules"]')).to_contain_text("style.bu-words")
    expect(page.locator('svg[data-chart="verdicts"]')).to_contain_text("可发送 1")
    expect(page.locator('svg[data-chart="phrases"]')).to_contain_text("发货时间")
    page.fill("#s-agent", "27")
    page.click("#s-form button[type=submit]")
    csv_link = re.compile(r"/v1/stats/export\.csv\?from=[-0-9]+&agent=27$")
    expect(page.locator("#s-csv")).to_have_attribute("href", csv_link)
    csv = page.context.request.get(server.url + page.locator("#s-csv").get_attribute("href"))
    assert csv.ok and "指标" in csv.text()


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_keyboard_walk_through_login_the_list_the_tabs_and_the_recycle_bin(
    new_context: NewContext, server: LiveServer
) -> None:
    page = new_context().new_page()
    page.goto(f"{server.url}/editor")
    expect(page.locator("#login-name")).to_be_focused()  # the login form takes keys at once
    page.keyboard.type("wang")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#p-list .prow").first).to_be_visible()
    expect(page.locator("#p-search")).to_be_focused()  # and after it, the page's first field

    # Tab walks the list's tools in reading order, and reaches the list
    order = [focused(page)]
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(focused(page))
    assert order == ["p-search", "p-group", "p-intent", "p-status", "p-trash", "p-new", "p-list"]

    # ↓/↑ move one row each (two handlers once moved it twice)
    rows = page.locator("#p-list .prow")
    ids = [rows.nth(i).get_attribute("data-id") for i in range(3)]
    for key, expected in (("ArrowDown", ids[0]), ("ArrowDown", ids[1]), ("ArrowDown", ids[2]), ("ArrowUp", ids[1])):
        page.keyboard.press(key)
        expect(page.locator("#p-meta")).to_contain_text(f"ID {expected} ")
        expect(page.locator("#p-list")).to_be_focused()

    # the tabs are a tab list: ←/→ move between them, each controls its panel
    page.focus("#tab-phrases")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-bench")).to_be_focused()
    expect(page.locator("#tab-bench")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#view-bench")).to_be_visible()
    expect(page.locator("#view-bench")).to_have_attribute("role", "tabpanel")
    assert page.get_attribute("#tab-bench", "aria-controls") == "view-bench"
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#tab-phrases")).to_have_attribute("aria-selected", "true")

    # a deleted phrase waits in the 回收站 after its undo toast is gone, and comes back from there
    open_phrase(page, "hp2", "review-02")
    title = page.input_value("#f-title")
    page.click("#p-delete")
    # a write answers once this worker's phrase index is rebuilt: seconds on a busy machine
    expect(page.locator("#toast")).to_contain_text("已删除", timeout=15_000)
    page.click("#toast .toast-close")
    expect(page.locator("#toast")).to_be_hidden()
    page.fill("#p-search", "")
    page.click("#p-trash")
    entry = page.locator('#trash-list .trash-entry[data-id="review-02"]')
    expect(entry).to_contain_text(title)
    expect(entry).to_contain_text("wang 删除于")
    entry.locator("button.restore").click()
    expect(page.locator("#trash")).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text(f"已恢复「{title}」", timeout=15_000)
    expect(page.locator("#p-meta")).to_contain_text("ID review-02 ")
    expect(page.locator('#p-list .prow[data-id="review-02"]')).to_be_visible()
    assert api_phrase(server, "review-02")["title"] == title

    # the live lint re-lints the open body when a lead saves a rule elsewhere, without a keystroke
    page.fill("#f-body", "亲，这款是秒杀价，错过等一年呢")
    expect(page.locator("#f-verdict")).to_have_attribute("data-verdict", "ok")
    auth = {"Authorization": f"Bearer {server.api_token('lead')}"}
    rule = httpx.post(f"{server.url}/v1/rules", headers=auth, json={"kind": "forbid", "term": "错过等一年"})
    assert rule.status_code == 201, rule.text
    expect(page.locator("#f-verdict")).to_have_attribute("data-verdict", "block", timeout=2_000)
    expect(page.locator("#f-backdrop-text mark.sev-error")).to_have_text("错过等一年")
    page.click("#p-revert")
