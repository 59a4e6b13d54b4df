"""Both pages for keyboard and screen-reader users: the login forms take focus, and axe-core (the
accessibility checker, installed from npm by scripts/test.sh) finds no serious or critical violation on
the sidebar or the editor, logged in and in use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from copilot.store import Store
from tests.browser.axe import axe_script, violations
from tests.conftest import PASSWORD, LiveServer, make_user

pytestmark = pytest.mark.browser

FAST_LOGIN = {"COPILOT_PASSWORD_TIME_COST": "1", "COPILOT_PASSWORD_MEMORY_KIB": "1024"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that asks for a login before the sidebar, with one team lead."""
    live = LiveServer(tmp_path_factory.mktemp("a11y"), env={**FAST_LOGIN, "COPILOT_REQUIRE_LOGIN": "true"}).start()
    store = Store.from_url(live.env["COPILOT_DATABASE_URL"])
    try:
        make_user(store, "wang", "lead")
    finally:
        store.dispose()
    yield live
    live.stop()


def test_both_pages_take_focus_at_login_and_axe_finds_nothing_serious(browser: Browser, server: LiveServer) -> None:
    axe_script()  # skip (or fail under CI) before any work when axe-core is not installed
    # axe is injected as an inline script, which the pages' Content-Security-Policy rightly refuses
    context = browser.new_context(bypass_csp=True, locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)  # a loaded machine; nothing here is about speed
    errors: list[str] = []
    context.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
    try:
        sidebar = context.new_page()
        sidebar.set_viewport_size({"width": 360, "height": 800})
        sidebar.goto(f"{server.url}/?c=a11y-1")
        expect(sidebar.locator("#name")).to_be_focused()
        assert violations(sidebar) == []
        sidebar.keyboard.type("wang")
        sidebar.keyboard.press("Tab")
        sidebar.keyboard.type(PASSWORD)
        sidebar.keyboard.press("Enter")
        expect(sidebar.locator("#conn")).to_have_attribute("data-state", "connected")
        sidebar.fill("#paste", "什么时候发货呀")
        sidebar.press("#paste", "Enter")
        expect(sidebar.locator("#suggestions .card").first).to_be_visible()
        sidebar.click("#draft")
        sidebar.keyboard.insert_text("你好,不好意思,明天一定到")
        expect(sidebar.locator("#diags .diag").first).to_be_visible()
        assert violations(sidebar) == []

        editor = context.new_page()
        editor.goto(f"{server.url}/editor#phrases")
        expect(editor.locator("#p-list .prow").first).to_be_visible()
        editor.fill("#p-search", "fh1")
        editor.click('#p-list .prow[data-id="ship-01"]')
        editor.fill("#f-body", "你好,不好意思,明天一定到")
        expect(editor.locator("#f-diags .diag").first).to_be_visible()
        assert violations(editor) == []
        editor.click("#p-trash")
        expect(editor.locator("#trash-list li").first).to_be_visible()
        assert violations(editor) == []
        editor.click("#trash-close")
        editor.click("#p-revert")  # nothing unsaved, so 退出 below needs no second click
        for tab in ("rules", "stats", "learn"):
            editor.click(f"#tab-{tab}")
            expect(editor.locator(f"#view-{tab}")).to_be_visible()
            assert violations(editor) == [], tab
        # the login form of the editor takes focus too (the sidebar's logout ends the shared session)
        editor.click("#logout")
        expect(editor.locator("#login-name")).to_be_focused()
        assert violations(editor) == []
    finally:
        context.close()
    assert errors == []
