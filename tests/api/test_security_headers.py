"""Security headers on pages and API answers, pages without inline code, and redirects that stay relative."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.api.headers import relative_location
from copilot.api.login_page import LOGIN_PAGE
from copilot.config import PROJECT_ROOT
from tests.conftest import make_settings

STATIC = PROJECT_ROOT / "static"


def app(tmp_path: Path, **settings: object) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path, **settings)))


def csp(response: object) -> dict[str, str]:
    """The Content-Security-Policy as directive -> sources."""
    header = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in header.split(";")}


@pytest.mark.parametrize("path", ["/", "/editor", "/static/index.html", "/static/editor.html"])
def test_every_page_has_a_csp_without_inline_script_and_may_be_framed_only_by_itself(tmp_path: Path, path: str) -> None:
    with app(tmp_path) as client:
        page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = csp(page)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert policy["frame-ancestors"] == "'self'" and page.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "same-origin"


def test_the_login_page_has_the_same_policy(tmp_path: Path) -> None:
    with app(tmp_path, require_login=True) as client:
        page = client.get("/")
        assert page.status_code == 401 and "登录" in page.text
        assert csp(page)["script-src"] == "'self'" and page.headers["x-frame-options"] == "SAMEORIGIN"
        for asset in ("/static/login.js", "/static/login.css"):
            assert client.get(asset).status_code == 200


def test_the_api_docs_keep_the_framing_rule_but_may_load_swagger_ui(tmp_path: Path) -> None:
    with app(tmp_path) as client:
        docs = client.get("/docs")
    assert docs.headers["content-security-policy"] == "frame-ancestors 'self'"
    assert docs.headers["x-frame-options"] == "SAMEORIGIN" and docs.headers["x-content-type-options"] == "nosniff"


def test_api_answers_and_static_files_are_nosniff_with_a_referrer_policy(tmp_path: Path) -> None:
    with app(tmp_path) as client:
        answers = [
            client.post("/v1/lint", json={"text": "亲,您好"}),
            client.get("/v1/lint/rules"),
            client.get("/static/sidebar.js"),
            client.get("/favicon.ico"),
            client.get("/no-such-page"),
        ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url
        assert answer.headers["referrer-policy"] == "same-origin"
        assert "content-security-policy" not in answer.headers  # only pages run anything


@pytest.mark.parametrize(
    ("setting", "frame_options"),
    [
        ("https://chat.example.com https://*.chat.example.com", None),
        ("'none'", "DENY"),
        ("'self' https://chat.example.com", None),
    ],
)
def test_frame_ancestors_follow_the_setting_and_x_frame_options_only_when_it_can_say_the_same(
    tmp_path: Path,
    setting: str,
    frame_options: str | None,
) -> None:
    with app(tmp_path, frame_ancestors=setting) as client:
        page = client.get("/")
    assert csp(page)["frame-ancestors"] == setting
    assert page.headers.get("x-frame-options") == frame_options


def test_a_frame_ancestors_setting_cannot_smuggle_another_directive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="frame-ancestors"):
        make_settings(tmp_path, frame_ancestors="* ; script-src *")


class _InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, handlers, style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self._in_script = True
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"<{tag} {name}=…>" for name in names if name.startswith("on") or name == "style"]

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}…")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


@pytest.mark.parametrize("name", [*sorted(p.name for p in STATIC.glob("*.html")), "login_page.py"])
def test_pages_carry_no_inline_script_handlers_or_styles(name: str) -> None:
    parser = _InlineCode()
    parser.feed(LOGIN_PAGE if name == "login_page.py" else (STATIC / name).read_text(encoding="utf-8"))
    assert parser.found == []


@pytest.mark.parametrize("path", ["/v1/phrases/", "/editor/", "/static"])
def test_redirects_are_relative_whatever_the_host_header_says(tmp_path: Path, path: str) -> None:
    with app(tmp_path) as client:
        answer = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    location = answer.headers["location"]
    # A path on this site: never absolute, never protocol-relative (`//host` would leave the site).
    assert 300 <= answer.status_code < 400 and location.startswith("/") and not location.startswith("//"), location


def test_a_redirect_to_a_double_slash_path_does_not_become_protocol_relative() -> None:
    assert relative_location("http://evil.example//evil.example/x?a=1", "evil.example") == "/evil.example/x?a=1"
    assert relative_location("https://elsewhere.example/x", "evil.example") == "https://elsewhere.example/x"
