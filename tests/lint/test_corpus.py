"""Strict but not annoying: realistic good replies are never blocked, and most pass clean."""

from __future__ import annotations

from copilot.lint import Linter
from tests.conftest import DATA

GOOD_REPLIES = [line for line in (DATA / "good_replies.txt").read_text(encoding="utf-8").splitlines() if line.strip()]


def test_no_good_reply_is_blocked(linter: Linter) -> None:
    blocked = {
        text: [d.rule for d in linter.lint(text).diagnostics]
        for text in GOOD_REPLIES
        if linter.lint(text).verdict == "block"
    }
    assert blocked == {}


def test_good_replies_mostly_pass_without_any_warning(linter: Linter) -> None:
    warned = [text for text in GOOD_REPLIES if linter.lint(text).verdict != "ok"]
    assert len(warned) <= len(GOOD_REPLIES) // 20, warned
