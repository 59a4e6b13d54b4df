"""A draft of 8,000 repeats over HTTP: a capped answer of the usual shape, also in LanguageTool's protocol."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.lint.engine import MAX_DIAGNOSTICS, MORE_RULE
from tests.conftest import make_settings

DRAFT = "不好意思你" * 1600  # 8,000 characters, thousands of problems


def test_lint_lists_the_cap_and_one_diagnostic_for_the_rest(client: TestClient) -> None:
    body = client.post("/v1/lint", json={"text": DRAFT}).json()
    assert set(body) == {"verdict", "diagnostics", "fixed", "fixed_verdict"} and body["verdict"] == "warn"
    assert len(body["diagnostics"]) == MAX_DIAGNOSTICS + 1
    more = body["diagnostics"][-1]
    assert set(more) == {"rule", "severity", "message", "start", "end", "text", "replacements", "category"}
    assert more["rule"] == MORE_RULE and "未列出" in more["message"] and more["severity"] == "warning"
    assert more["text"] == DRAFT[more["start"] : more["end"]] and more["end"] > more["start"]
    assert body["fixed"].startswith("非常抱歉您" * 10) and len(body["fixed"]) < 2 * len(DRAFT)


def test_languagetool_check_answers_valid_capped_matches(client: TestClient) -> None:
    body = client.post("/v2/check", data={"text": DRAFT, "language": "zh-CN"}).json()
    matches = body["matches"]
    assert len(matches) == MAX_DIAGNOSTICS + 1
    assert [m["offset"] for m in matches] == sorted(m["offset"] for m in matches)
    assert all(m["length"] > 0 and m["offset"] + m["length"] <= len(DRAFT) for m in matches)
    assert matches[-1]["rule"]["id"] == MORE_RULE and matches[-1]["rule"]["issueType"] == "style"


def test_the_cap_is_a_setting(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, lint_max_diagnostics=3))) as small:
        body = small.post("/v1/lint", json={"text": "你你你你"}).json()
    assert [d["rule"] for d in body["diagnostics"]] == ["style.polite-pronoun"] * 3 + [MORE_RULE]
    assert body["diagnostics"][-1]["message"].startswith("还有 1 处问题未列出")
