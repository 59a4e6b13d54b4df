"""What every browser test shares: Debian's chromium, launched once per test module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def launch_chromium(playwright) -> Browser:  # type: ignore[no-untyped-def]
    """Debian's chromium (Playwright's own browser download cannot work here); CI fails without it."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for the whole module; each test makes its own contexts (fresh cookies and storage)."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def watch_csp(context: BrowserContext) -> list[str]:
    """A list that fills with every Content-Security-Policy violation chromium reports on the context's pages
    (it reports them on the console): a page that needs inline script or style would show up here."""
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)
    return violations


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A context the size of the sidebar (360 px wide) that may use the clipboard; every page in it must
    work under the CSP (no inline script or style to block). Editor tests size their own."""
    context = browser.new_context(
        viewport={"width": 360, "height": 800},
        locale="zh-CN",
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(5_000)
    violations = watch_csp(context)
    yield context
    context.close()
    assert violations == []


@pytest.fixture
def editor_context(browser: Browser) -> Iterator[BrowserContext]:
    """A context the size of a lead's screen for the editor; a script error or a CSP violation in any of
    its pages fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(5_000)
    errors: list[str] = []
    context.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
    violations = watch_csp(context)
    yield context
    context.close()
    assert errors == [] and violations == []
