"""Make docs/editor.png and docs/editor-stats.png: the lead's editor at 1280×800, for the README.

Run from the repository root: .venv/bin/python -m scripts.editor_screenshot
(Chinese text needs a CJK font: apt-get install fonts-noto-cjk.)
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from copilot.config import PROJECT_ROOT
from copilot.store import Store
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD, LiveServer, make_user

DOCS = PROJECT_ROOT / "docs"
EDITED_BODY = "亲,不好意思让你久等了,您的包裹明天一定到,到了记得给个好评哦~"
# (agent number, customer message, reply the agent sent, phrase the agent picked)
SHIFT = [
    ("27", "什么时候发货", "亲,付款后48小时内为您安排发货~", "ship-01"),
    ("27", "能开发票吗", "亲,我们可以为您提供正规发票的~", "invoice-01"),
    ("27", "怎么还没到", "不好意思,你的快递明天一定到", None),
    ("31", "能便宜点吗", "不能便宜了,已经是最低价", None),
    ("31", "在吗", "在的亲,请问有什么可以帮您~", "greeting-01"),
    ("31", "质量太差了", "不好意思,给你带来不便了", None),
    ("08", "发顺丰吗", "亲,默认发中通,需要顺丰可以补差价哦", None),
    ("08", "什么时候发货", "亲,付款后48小时内为您安排发货~", "ship-01"),
    ("08", "退款多久到账", "你放心,退款保证今天到账", None),
]


SEND = "([kind, c, t]) => window.kefu.socket.send({type: kind, conversation: c, text: t})"


def record_shift(page: Page) -> None:
    """A morning's worth of sidebar events, sent the way the sidebar sends them."""
    for n, (agent, customer, _, _) in enumerate(SHIFT):
        page.evaluate("a => window.kefu.socket.send({type: 'profile', agent_no: a})", agent)
        page.evaluate(SEND, ["customer", f"shot-{n}", customer])
    time.sleep(2.5)  # the agents take a moment to answer
    for n, (agent, _, reply, phrase) in enumerate(SHIFT):
        page.evaluate("a => window.kefu.socket.send({type: 'profile', agent_no: a})", agent)
        if phrase:
            page.evaluate("p => window.kefu.socket.send({type: 'used', phrase: p})", phrase)
        page.evaluate(SEND, ["sent", f"shot-{n}", reply])
        time.sleep(0.3)
    time.sleep(1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp), env={"COPILOT_PASSWORD_TIME_COST": "1", "COPILOT_PASSWORD_MEMORY_KIB": "1024"})
        server.start()
        store = Store.from_url(server.env["COPILOT_DATABASE_URL"])
        make_user(store, "王主管", "lead")
        store.dispose()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                sidebar = browser.new_page()
                sidebar.goto(f"{server.url}/?c=shot")
                expect(sidebar.locator("#conn")).to_have_attribute("data-state", "connected")
                record_shift(sidebar)

                context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
                context.request.post(f"{server.url}/v1/auth/login", data={"name": "王主管", "password": PASSWORD})
                page = context.new_page()
                page.goto(f"{server.url}/editor#phrases")
                expect(page.locator("#p-list .prow").first).to_be_visible()
                page.select_option("#p-group", "售中")
                page.click('#p-list .prow[data-id="ship-01"]')
                page.fill("#f-body", "")
                page.click("#f-body")
                page.keyboard.insert_text(EDITED_BODY)
                expect(page.locator("#f-verdict")).to_have_attribute("data-verdict", "block")
                page.locator("#f-diags .diag").first.hover()
                page.screenshot(path=str(DOCS / "editor.png"))

                page.click('.tab[data-tab="stats"]')
                expect(page.locator('svg[data-chart="rules"] g.bar').first).to_be_visible()
                page.mouse.move(0, 0)
                page.screenshot(path=str(DOCS / "editor-stats.png"))
                browser.close()
        finally:
            server.stop()
    print(DOCS / "editor.png", DOCS / "editor-stats.png")


if __name__ == "__main__":
    main()
