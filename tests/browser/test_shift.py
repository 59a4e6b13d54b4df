"""A shift in the sidebar, in chromium against a real server: several conversations routed to one agent,
the chat window deciding which is in front, and verdicts that follow a lead's rule changes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

expect.set_options(timeout=5_000)

PUSH_TOKEN = "shift-push-token"
PUSH = {"Authorization": f"Bearer {PUSH_TOKEN}"}
LONG_MESSAGE = "你好，我上周买的外套到现在还没发货，物流一直没有更新，" * 5 + "到底什么时候发？"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("shift"), env={"COPILOT_INTEGRATION_TOKEN": PUSH_TOKEN})
    live.start(timeout=120)
    yield live
    live.stop()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert errors == []


def push(server: LiveServer, conversation: str, text: str, role: str = "customer", **extra: str) -> int:
    response = httpx.post(
        f"{server.url}/v1/conversations/{conversation}/messages",
        json={"role": role, "text": text, **extra},
        headers=PUSH,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["delivered"])


def rows(page: Page) -> list[str]:
    return page.eval_on_selector_all("#conv-list .conv-row", "rows => rows.map(r => r.dataset.id)")


def row(page: Page, conversation: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#conv-list .conv-row[data-id="{conversation}"]')


def contrast_on_white(rgb: str) -> float:
    """WCAG contrast of a computed `rgb(r, g, b)` colour against white."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_three_routed_conversations_follow_focus_and_keep_their_own_drafts(
    context: BrowserContext, page: Page, server: LiveServer
) -> None:
    context.clock.install()  # the waiting timers are fast-forwarded at the end
    page.goto(f"{server.url}/")  # no ?c=: the agent's conversations come by routing
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    expect(page.locator("#conv")).to_have_text("暂无会话")

    # the first visit asks for the 工号 before any greeting can say 客服01号
    expect(page.locator("#ask-agent")).to_be_visible()
    page.fill("#ask-agent-no", "8")
    page.press("#ask-agent-no", "Enter")
    expect(page.locator("#ask-agent")).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("工号已设置为 8")

    assert push(server, "shift-1", "我要投诉，东西太差了", agent="8") == 1
    assert push(server, "shift-2", LONG_MESSAGE, agent="8") == 1
    assert push(server, "shift-3", "能开发票吗", agent="8") == 1
    expect(page.locator("#conv-list .conv-row")).to_have_count(3)
    assert rows(page) == ["shift-1", "shift-2", "shift-3"]  # longest waiting first
    expect(page.locator("#conv")).to_have_text("会话 shift-1")  # the first to arrive is shown
    expect(page.locator("#suggestions .card").first).to_be_visible()
    assert "客服8号" in " ".join(page.locator("#suggestions .card-text").all_inner_texts())
    page.click("#draft")
    page.keyboard.insert_text("亲，马上为您查询")

    # the chat window brings shift-2 to the front: the sidebar follows, with shift-2's own everything
    response = httpx.post(f"{server.url}/v1/agents/8/focus", json={"conversation": "shift-2"}, headers=PUSH, timeout=30)
    assert response.status_code == 200 and response.json()["delivered"] == 1
    expect(page.locator("#conv")).to_have_text("会话 shift-2")
    expect(page.locator("#msg")).to_have_text(LONG_MESSAGE)
    expect(page.locator("#draft")).to_have_value("")
    expect(row(page, "shift-2")).to_have_attribute("aria-current", "true")
    more = page.locator("#msg-more")  # a long message shows three lines and a 展开
    expect(more).to_have_text("展开")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(more).to_have_text("收起")
    page.click("#draft")
    page.keyboard.insert_text("您好")

    page.keyboard.press("Alt+1")  # the agent's own switch, by the list's numbers
    expect(page.locator("#conv")).to_have_text("会话 shift-1")
    expect(page.locator("#draft")).to_have_value("亲，马上为您查询")
    page.locator("#conv-list .conv-row").nth(1).click()
    expect(page.locator("#draft")).to_have_value("您好")
    page.keyboard.press("Alt+3")
    expect(page.locator("#conv")).to_have_text("会话 shift-3")
    expect(page.locator("#msg")).to_have_text("能开发票吗")

    # a second message counts as unanswered; the reply in the chat window ends the wait and the row sinks
    push(server, "shift-1", "在吗？")  # routed as before, without naming the agent again
    expect(row(page, "shift-1").locator(".conv-unread")).to_contain_text("2")
    push(server, "shift-1", "马上为您查询", role="agent")
    expect(row(page, "shift-1").locator(".conv-wait")).to_have_text("已回复")
    assert rows(page) == ["shift-2", "shift-3", "shift-1"]

    # a pasted message clears the last one's suggestions at once: they answer something else
    left = page.evaluate("""() => {
        document.getElementById('paste').value = '发票抬头写错了';
        document.getElementById('paste-form').requestSubmit();
        return document.querySelectorAll('#suggestions .card').length;
    }""")
    assert left == 0
    expect(page.locator("#suggestions .card").first).to_be_visible()

    # with a Chinese IME the / key types 、: it opens the phrase codes too, as an ARIA combobox
    draft = page.locator("#draft")
    page.click("#draft")
    page.keyboard.insert_text("、fp")
    expect(page.locator("#slash-list [role=option]").first).to_be_visible()
    expect(draft).to_have_attribute("role", "combobox")
    expect(draft).to_have_attribute("aria-expanded", "true")
    expect(draft).to_have_attribute("aria-activedescendant", "slash-0")
    assert page.get_attribute("#slash-list", "role") == "listbox"
    page.keyboard.press("Escape")
    page.fill("#draft", "")
    page.press("#draft", "Tab")  # the draft comes before 复制 in the tab order
    expect(page.locator("#copy")).to_be_focused()

    # the copy toast sits below the draft: the message and the suggestions stay readable
    page.click("#draft")
    page.keyboard.insert_text("亲，可以开发票的")
    page.keyboard.press("Control+Enter")
    toast = page.locator("#toast")
    expect(toast).to_contain_text("已复制")
    toast_box = toast.bounding_box()
    for covered in ("#msg", "#suggest-wrap"):
        box = page.locator(covered).bounding_box()
        assert toast_box and box and toast_box["y"] >= box["y"] + box["height"], covered
    expect(page.locator("#timer")).to_have_text("已回复")

    # shift-2 has waited longest: amber after 20 s, red after 2 minutes, in the list and in front
    expect(row(page, "shift-2").locator(".conv-wait")).to_have_attribute("data-level", "green")
    page.clock.fast_forward("00:21")
    expect(row(page, "shift-2").locator(".conv-wait")).to_have_attribute("data-level", "amber")
    page.clock.fast_forward("01:40")
    expect(row(page, "shift-2").locator(".conv-wait")).to_have_attribute("data-level", "red")
    page.keyboard.press("Alt+1")
    expect(page.locator("#timer")).to_have_attribute("data-level", "red")
    expect(page.locator("#draft")).to_have_value("您好")

    # a reload keeps the list, the conversation in front and its draft; the server's list agrees
    page.reload()
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    expect(page.locator("#conv")).to_have_text("会话 shift-2")
    expect(page.locator("#draft")).to_have_value("您好")
    expect(page.locator("#conv-list .conv-row")).to_have_count(3)
    expect(row(page, "shift-1").locator(".conv-wait")).to_have_text("已回复")


def test_a_rule_a_lead_adds_relints_the_open_draft(page: Page, server: LiveServer) -> None:
    lead = {"Authorization": f"Bearer {server.api_token('lead')}"}
    page.goto(f"{server.url}/?c=relint-1")
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    page.click("#draft")
    page.keyboard.insert_text("亲，这款是秒杀价，错过等一年呢")
    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-verdict", "ok")

    rule = {"kind": "forbid", "term": "错过等一年", "severity": "error"}
    assert httpx.post(f"{server.url}/v1/rules", json=rule, headers=lead, timeout=30).status_code == 201
    expect(verdict).to_have_attribute("data-verdict", "block")  # re-linted without a keystroke
    expect(page.locator("#backdrop mark.sev-error")).to_have_text("错过等一年")

    # agents read what is wrong, never a rule id: not in the list, the tooltip or the copy question
    rule_ids = page.evaluate("window.kefu.state.lint.diagnostics.map(d => d.rule)")
    assert rule_ids
    page.locator("#diags li").first.click()
    expect(page.locator("#tip")).to_be_visible()
    page.keyboard.press("Control+Enter")  # the copy path asks: the draft is blocked now
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm")).to_contain_text("禁止发送")
    shown = page.evaluate("document.body.innerText + document.getElementById('tip').innerText")
    assert not [rule_id for rule_id in rule_ids if rule_id in shown]
    page.click("#confirm-cancel")

    # a warning's underline is seen on white (WCAG 3:1 for graphics)
    page.fill("#draft", "不好意思")
    mark = page.locator("#backdrop mark.sev-warning")
    expect(mark).to_have_text("不好意思")
    colour = mark.evaluate("m => getComputedStyle(m).textDecorationColor")
    assert contrast_on_white(colour) >= 3, colour


def test_a_phrase_the_rules_now_block_is_marked_on_its_card(page: Page, server: LiveServer) -> None:
    lead = {"Authorization": f"Bearer {server.api_token('lead')}"}
    phrase = {
        "title": "限时提醒",
        "body": "亲，这款今天特价，过了今天涨价哦",
        "intent": "promotion",
        "group": "售前",
        "shortcut": "tjx",
        "keywords": ["特价"],
        "examples": ["特价还有吗"],
    }
    # clean when saved; the rule below blocks it
    assert httpx.post(f"{server.url}/v1/phrases", json=phrase, headers=lead, timeout=30).status_code == 201
    rule = {"kind": "forbid", "term": "过了今天涨价", "severity": "error"}
    assert httpx.post(f"{server.url}/v1/rules", json=rule, headers=lead, timeout=30).status_code == 201

    page.goto(f"{server.url}/?c=blocked-1")
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    page.click("#draft")
    page.keyboard.insert_text("/tjx")  # still offered, marked: it must be edited before sending
    item = page.locator("#slash .slash-item", has_text="限时提醒")
    expect(item.locator(".blocked-badge")).to_have_text("含违规")
    expect(item).to_have_attribute("title", "这条话术含有禁止发送的内容，插入后须先修改再发送")
