"""The agent sidebar in a real browser (Debian's chromium) against a real `kefu-copilot serve`."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from copilot.config import PROJECT_ROOT
from copilot.store import Store
from tests.browser.conftest import watch_csp
from tests.conftest import PASSWORD, LiveServer, make_user

pytestmark = pytest.mark.browser

expect.set_options(timeout=5_000)

# A phrase a careless (or hostile) team lead could save: it must show as text and run nothing.
HOSTILE_BODY = '亲,<script>window.__pwned = "phrase"</script><img src=x onerror="window.__pwned = 1">请查收~'
HOSTILE_PHRASEBANK = f"""\
phrases:
  - id: hostile-01
    title: "<b>标题</b>"
    intent: other
    group: 售前
    shortcut: xss1
    keywords: [脚本测试]
    body: '{HOSTILE_BODY}'
    examples: [脚本测试一下]
"""

OpenSidebar = Callable[..., Page]
PUSH_TOKEN = "browser-push-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, seeded with the default phrasebank plus one hostile phrase."""
    tmp = tmp_path_factory.mktemp("sidebar")
    phrasebank = tmp / "phrasebank"
    shutil.copytree(PROJECT_ROOT / "phrasebank", phrasebank)
    (phrasebank / "hostile.yaml").write_text(HOSTILE_PHRASEBANK, encoding="utf-8")
    env = {"COPILOT_PHRASEBANK_DIR": str(phrasebank), "COPILOT_INTEGRATION_TOKEN": PUSH_TOKEN}
    live = LiveServer(tmp, env=env).start()
    yield live
    live.stop()


@pytest.fixture
def open_sidebar(context: BrowserContext, server: LiveServer) -> Iterator[OpenSidebar]:
    """Open the sidebar for a conversation and wait until it is connected; fail on any page error."""
    errors: list[str] = []

    def open_page(conversation: str, live: LiveServer = server, page: Page | None = None) -> Page:
        if page is None:
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live.url}/?c={conversation}")
        expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
        return page

    yield open_page
    assert errors == []


def paste_customer(page: Page, text: str) -> None:
    page.fill("#paste", text)
    page.press("#paste", "Enter")
    expect(page.locator("#suggestions .card").first).to_be_visible()


def hover_mark(page: Page, text: str) -> None:
    """Point at an underlined span, as an agent does to read its tooltip."""
    box = page.locator("#backdrop mark", has_text=text).first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 1, box["y"] + 1)  # the pointer may already rest on the span's middle
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)


def type_draft(page: Page, text: str) -> None:
    page.click("#draft")
    page.keyboard.insert_text(text)


def marks(page: Page) -> list[list[str]]:
    """The underlined spans of the draft: [severity class, text]."""
    return page.eval_on_selector_all("#backdrop mark", "ms => ms.map(m => [m.className.split(' ')[0], m.textContent])")


def test_pasted_customer_message_shows_intents_and_numbered_suggestions(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("paste")
    paste_customer(page, "能开发票吗")

    expect(page.locator("#msg")).to_have_text("能开发票吗")
    expect(page.locator("#intents .chip").first).to_have_text("发票")
    first = page.locator("#suggestions .card").first
    expect(first.locator("kbd")).to_have_text("1")
    expect(first.locator(".chip")).to_have_text("发票")
    assert "发票" in first.locator(".card-text").inner_text()
    expect(page.locator("#timer")).to_contain_text("待回复 0:0")
    expect(page.locator("#paste")).to_have_value("")


def test_a_platform_push_reaches_the_open_page(open_sidebar: OpenSidebar, server: LiveServer) -> None:
    page = open_sidebar("order-77")
    type_draft(page, "好的呢")
    response = httpx.post(
        f"{server.url}/v1/conversations/order-77/messages",
        json={"role": "customer", "text": "亲 什么时候发货呀"},
        headers={"Authorization": f"Bearer {PUSH_TOKEN}"},
    )
    assert response.status_code == 200 and response.json()["delivered"] == 1
    expect(page.locator("#msg")).to_have_text("亲 什么时候发货呀")
    expect(page.locator("#intents .chip").first).to_have_text("发货时间")
    expect(page.locator("#suggestions .card").first).to_be_visible()
    expect(page.locator("#draft")).to_have_value("好的呢")  # a push never touches what the agent typed
    expect(page.locator("#timer")).to_contain_text("待回复")
    httpx.post(
        f"{server.url}/v1/conversations/order-77/messages",
        json={"role": "agent", "text": "马上为您安排"},
        headers={"Authorization": f"Bearer {PUSH_TOKEN}"},
    )
    expect(page.locator("#timer")).to_have_text("已回复")  # answered in the chat window itself


def test_angry_customer_gets_complaint_type_and_handling_steps(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("angry")
    paste_customer(page, "你们这什么破东西,气死我了,我要投诉!")

    expect(page.locator("#intents .chip.complaint")).to_be_visible()
    expect(page.locator("#hints")).to_be_visible()
    assert page.locator("#hint-list li").count() >= 2


def test_underlined_draft_is_fixed_whole_by_fix_all(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("fixall")
    type_draft(page, "不好意思,你的快递已经在路上了")

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "warn")
    expect(page.locator("#verdict")).to_contain_text("建议修改")
    assert marks(page) == [["sev-warning", "不好意思"], ["sev-warning", "你"]]
    page.click("#fix-all")

    expect(page.locator("#draft")).to_have_value("非常抱歉,您的快递已经在路上了")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok")
    expect(page.locator("#verdict")).to_have_text("可发送")
    assert marks(page) == []


def test_fix_all_says_when_it_cannot_mend_a_brush_off(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("brushoff")
    type_draft(page, "你的包裹丢了，找快递去吧")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "block")
    # 你 → 您 is fixable, pushing the customer away is not: the button says so before the click
    expect(page.locator("#fix-all")).to_have_text("修正全部（修正后禁止发送）")
    page.click("#fix-all")
    expect(page.locator("#draft")).to_have_value("您的包裹丢了，找快递去吧")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "block")
    # agents read what kind of problem it is, never a rule id
    hover_mark(page, "找快递去")
    expect(page.locator("#tip")).to_be_visible()
    expect(page.locator("#tip .tip-rule")).to_have_text("推诿、推卸责任")


def test_a_promise_offers_the_phrasebanks_wording_for_its_intent(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("promise")
    type_draft(page, "亲，明天一定到")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "block")
    page.locator("#diags li", has_text="明天一定到").click()  # selects the span and opens its tooltip
    expect(page.locator("#tip")).to_be_visible()
    page.locator("#tip .phrases-for").click()
    expect(page.locator("#slash .slash-note")).to_have_text("“到货时间”话术")
    expect(page.locator("#slash .slash-item").first).to_be_visible()
    page.locator("#slash .slash-item").first.click()
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok")


def test_emoji_before_an_error_underlines_exactly_its_characters(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("emoji")
    # 👍 and 😀 are two UTF-16 units each; the server's offsets count them once
    type_draft(page, "👍😀不好意思,🙏你的订单到不了")

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "warn")
    assert marks(page) == [["sev-warning", "不好意思"], ["sev-warning", "你"], ["sev-warning", "到不了"]]
    before = page.evaluate("document.getElementById('backdrop-text').firstChild.textContent")
    assert before == "👍😀"

    # hovering the underline shows its message and fixes; one click applies that fix alone
    box = page.locator("#backdrop mark").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator("#tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("警告")
    tip.get_by_role("button", name="改为「非常抱歉」").click()
    expect(page.locator("#draft")).to_have_value("👍😀非常抱歉,🙏你的订单到不了")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "warn")
    expect(page.locator("#backdrop mark")).to_have_count(2)
    assert marks(page) == [["sev-warning", "你"], ["sev-warning", "到不了"]]


def test_verdict_is_never_stale_while_a_newer_draft_is_unchecked(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("stale")
    type_draft(page, "您好")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok")

    # in the very tick the draft changes, the old 可发送 must be gone
    verdict = page.evaluate(
        """() => {
            const draft = document.getElementById('draft');
            draft.value = '您好,加我微信abc123线下打款';
            draft.dispatchEvent(new Event('input', {bubbles: true}));
            return document.getElementById('verdict').textContent;
        }"""
    )
    assert verdict == "检查中…"
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "block")
    expect(page.locator("#verdict")).to_contain_text("禁止发送")


def test_number_keys_insert_suggestions(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("keys")
    paste_customer(page, "什么时候发货")
    texts = page.locator("#suggestions .card-text").all_inner_texts()
    assert len(texts) >= 2

    page.keyboard.press("Escape")  # out of the paste box: plain digits are shortcuts now
    page.keyboard.press("2")
    expect(page.locator("#draft")).to_have_value(texts[1])
    expect(page.locator("#draft")).to_be_focused()

    # inside the draft a plain digit is text; Alt+Shift+1 inserts suggestion 1 at the caret (Alt+1 switches
    # conversations)
    page.keyboard.press("End")
    page.keyboard.press("Alt+Shift+1")
    expect(page.locator("#draft")).to_have_value(texts[1] + texts[0])

    page.fill("#draft", "")
    page.locator("#suggestions .card").nth(0).click()
    expect(page.locator("#draft")).to_have_value(texts[0])


def test_a_suggestion_taken_proposes_the_customer_message_masked(open_sidebar: OpenSidebar, server: LiveServer) -> None:
    asked = "我手机13812345678，什么时候能发货呀"
    page = open_sidebar("learn")
    paste_customer(page, asked)
    first = httpx.post(server.url + "/v1/suggest", json={"message": asked}, timeout=10).json()["suggestions"][0]
    expect(page.locator("#suggestions .card-text").first).to_have_text(first["text"])
    page.keyboard.press("Escape")
    page.keyboard.press("1")  # the used frame names the conversation in front
    lead = {"Authorization": f"Bearer {server.api_token('lead')}"}

    def proposed() -> list[dict]:
        groups = httpx.get(server.url + "/v1/learn/candidates", headers=lead, timeout=10).json()
        return [
            c | {"phrase": g["phrase"]["id"]}
            for g in groups
            for c in g["candidates"]
            if c["message"].endswith("什么时候能发货呀")
        ]

    for _ in range(100):  # the worker writes sightings every half second
        if proposed():
            break
        page.wait_for_timeout(100)
    [candidate] = proposed()
    assert candidate["phrase"] == first["id"] and "13812345678" not in candidate["message"]
    assert candidate["message"].endswith("什么时候能发货呀")


def test_slash_code_searches_and_replaces_the_code_with_the_phrase(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("slash")
    type_draft(page, "好的/fp")
    items = page.locator("#slash .slash-item")
    expect(items.first).to_be_visible()
    codes = items.locator(".shortcut").all_inner_texts()
    assert codes and all(code.startswith("/fp") for code in codes)
    second = items.nth(1).get_attribute("data-n")
    assert second == "2"

    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page.locator("#slash")).to_be_hidden()
    value = page.input_value("#draft")
    assert value.startswith("好的亲") and "/fp" not in value

    # a keyword search: a digit that no code continues picks that row
    page.fill("#draft", "")
    page.keyboard.insert_text("/发票")
    expect(items.nth(2)).to_be_visible()
    third = items.nth(2).locator(".slash-text").inner_text()
    page.keyboard.press("3")
    expect(page.locator("#slash")).to_be_hidden()
    assert page.input_value("#draft").startswith(third.rstrip("…")[:20])
    assert "/" not in page.input_value("#draft")


def test_slash_from_outside_the_draft_starts_a_code(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("slash-key")
    page.locator("body").press("/")
    expect(page.locator("#draft")).to_be_focused()
    expect(page.locator("#draft")).to_have_value("/")
    expect(page.locator("#slash")).to_contain_text("输入短语编码")


def test_copy_of_a_blocked_draft_asks_first(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("copy")
    paste_customer(page, "能便宜点吗")
    type_draft(page, "加我微信abc123,线下打款更便宜")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "block")

    page.keyboard.press("Control+Enter")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("禁止发送")
    expect(page.locator("#confirm-cancel")).to_be_focused()  # the safe answer is the default

    # 返回修改, then 复制 again at once: the first dialog's queued `close` must not answer the second
    page.evaluate("document.getElementById('confirm-cancel').click(); document.getElementById('copy').click()")
    expect(dialog).to_be_visible()
    page.click("#confirm-ok")
    expect(page.locator("#timer")).to_have_text("已回复")
    assert page.evaluate("navigator.clipboard.readText()") == "加我微信abc123,线下打款更便宜"
    expect(page.locator("#draft")).to_have_value("")  # ready for the next reply …
    page.get_by_role("button", name="恢复草稿").click()  # … and nothing is lost
    expect(page.locator("#draft")).to_have_value("加我微信abc123,线下打款更便宜")


def test_reply_timer_turns_amber_then_red(context: BrowserContext, open_sidebar: OpenSidebar) -> None:
    context.clock.install()
    page = open_sidebar("timer")
    paste_customer(page, "在吗")
    timer = page.locator("#timer")
    expect(timer).to_have_attribute("data-level", "green")
    page.clock.fast_forward("00:21")
    expect(timer).to_have_attribute("data-level", "amber")
    page.clock.fast_forward("01:40")
    expect(timer).to_have_attribute("data-level", "red")
    expect(timer).to_contain_text("待回复 2:0")


def test_draft_survives_a_reload(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("reload")
    type_draft(page, "亲,不好意思,")
    page.keyboard.type("你好")  # real key presses, saved as typed
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "warn")

    open_sidebar("reload", page=page)  # goto again: a full reload
    expect(page.locator("#draft")).to_have_value("亲,不好意思,你好")
    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "warn")
    assert marks(page) == [["sev-warning", "不好意思"], ["sev-warning", "你"]]


def test_reconnects_after_a_server_restart_and_keeps_the_draft(tmp_path: Path, open_sidebar: OpenSidebar) -> None:
    server = LiveServer(tmp_path).start()
    try:
        page = open_sidebar("restart", live=server)
        type_draft(page, "不好意思")
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "warn")

        expect(page.locator("#offline")).to_be_hidden()
        server.stop()
        expect(page.locator("#conn")).to_have_text("已断开，正在重连")
        banner = page.locator("#offline")  # not only a tooltip: a banner says so, with a way to retry
        expect(banner).to_contain_text("无法连接服务器")
        page.keyboard.insert_text("哦")  # typed while offline: no verdict can be current
        expect(page.locator("#verdict")).to_have_text("检查中…")

        expect(banner.get_by_role("button", name="立即重连")).to_be_enabled()

        server = LiveServer(tmp_path, port=server.port).start()
        # no waiting out the back-off (unless a scheduled retry got there first)
        page.evaluate("document.querySelector('#offline:not([hidden]) button:enabled')?.click()")
        expect(page.locator("#conn")).to_have_text("已连接", timeout=15_000)
        expect(banner).to_be_hidden()
        expect(page.locator("#draft")).to_have_value("不好意思哦")
        # re-linted after the reconnect
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "warn")
        assert marks(page) == [["sev-warning", "不好意思"], ["sev-warning", "哦"]]
    finally:
        server.stop()


def test_agent_number_is_kept_and_used_in_phrases(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("profile")
    page.click("#settings-btn")
    page.fill("#agent-no", "8")
    page.press("#agent-no", "Enter")
    expect(page.locator("#toast")).to_contain_text("工号已设置为 8")

    open_sidebar("profile", page=page)  # the reload sends the kept number in its profile frame
    expect(page.locator("#agent-no")).to_have_value("8")
    paste_customer(page, "我要投诉,东西太差了")
    texts = " ".join(page.locator("#suggestions .card-text").all_inner_texts())
    assert "客服8号" in texts


def test_customer_text_and_phrases_render_as_inert_text(open_sidebar: OpenSidebar) -> None:
    page = open_sidebar("xss")
    hostile = "<img src=x onerror=\"window.__pwned = 'customer'\">发票<script>window.__pwned = 2</script>"
    page.fill("#paste", hostile)
    page.press("#paste", "Enter")
    expect(page.locator("#msg")).to_have_text(hostile)

    type_draft(page, "/xss1")
    item = page.locator("#slash .slash-item").first
    expect(item.locator(".card-title")).to_have_text("<b>标题</b>")
    expect(item.locator(".slash-text")).to_have_text(HOSTILE_BODY)
    page.keyboard.press("Enter")
    expect(page.locator("#draft")).to_have_value(HOSTILE_BODY)
    expect(page.locator("#verdict")).not_to_have_attribute("data-verdict", "pending")

    assert page.evaluate("document.querySelectorAll('img, b, script:not([src])').length") == 0
    assert page.evaluate("window.__pwned") is None


def test_the_csp_blocks_a_script_that_got_into_the_page(browser: Browser, server: LiveServer) -> None:
    # What the hostile phrase above could never do, done by hand: an inline script in the live page.
    context = browser.new_context()
    violations = watch_csp(context)
    page = context.new_page()
    page.goto(f"{server.url}/?c=csp")
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in violations), violations
    context.close()


def test_the_login_form_works_under_the_csp(browser: Browser, tmp_path: Path) -> None:
    live = LiveServer(tmp_path, env={"COPILOT_REQUIRE_LOGIN": "true"}).start(timeout=120)
    try:
        store = Store.from_url(live.env["COPILOT_DATABASE_URL"])
        make_user(store, "amy", "agent")
        store.dispose()
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(5_000)
        violations = watch_csp(context)
        page = context.new_page()
        page.goto(live.url + "/")
        page.fill("#name", "amy")
        page.fill("#password", "wrong-password")
        page.click("button[type=submit]")
        expect(page.locator("#error")).to_have_text("用户名或密码错误")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#conn")).to_have_attribute("data-state", "connected")  # the sidebar, logged in
        assert violations == []
        context.close()
    finally:
        live.stop()
