"""Make docs/sidebar.png: the sidebar at 360×800 in a realistic moment, for the README.

Run from the repository root: .venv/bin/python -m scripts.screenshot
(Chinese text needs a CJK font: apt-get install fonts-noto-cjk fonts-noto-color-emoji.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx2 as httpx
from playwright.sync_api import expect, sync_playwright

from copilot.config import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import LiveServer

CUSTOMER = "你好,我前天拍的那件羊毛外套怎么还没发货?能开发票吗"
DRAFT = "亲,不好意思让你久等了😊 您的外套明天一定到哦"
TOKEN = "screenshot-push-token"
# two more customers of agent 8, waiting longer: the conversation list above the message
OTHERS = {"tb-20261125-0927": "在吗？快递显示签收了，可是我没收到", "tb-20261125-0929": "这个有优惠券吗"}


def main(out: Path = PROJECT_ROOT / "docs" / "sidebar.png") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp), env={"COPILOT_INTEGRATION_TOKEN": TOKEN}).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 360, "height": 800}, device_scale_factor=2)
                context.clock.install()
                page = context.new_page()
                page.add_init_script("localStorage.setItem('kefu.agentNo', '8')")
                page.goto(f"{server.url}/?c=tb-20261125-0931")
                expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
                for conversation, text in OTHERS.items():
                    httpx.post(
                        f"{server.url}/v1/conversations/{conversation}/messages",
                        timeout=30,
                        json={"role": "customer", "text": text, "agent": "8"},
                        headers={"Authorization": f"Bearer {TOKEN}"},
                    ).raise_for_status()
                expect(page.locator("#conv-list .conv-row")).to_have_count(3)
                page.fill("#paste", CUSTOMER)
                page.press("#paste", "Enter")
                expect(page.locator("#suggestions .card").first).to_be_visible()
                page.clock.fast_forward("00:24")  # the reply timer has turned amber
                page.click("#draft")
                page.keyboard.insert_text(DRAFT)
                expect(page.locator("#verdict")).to_have_attribute("data-verdict", "block")
                page.keyboard.press("Home")
                page.keyboard.press("Escape")
                page.mouse.move(0, 0)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
                browser.close()
        finally:
            server.stop()
    print(out)


if __name__ == "__main__":
    main()
