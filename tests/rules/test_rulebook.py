"""RuleBook: default packs layered with the shop's rules, rebuilt off the event loop when the rules version moves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from copilot.config import PROJECT_ROOT
from copilot.lint import RulePackError
from copilot.rulebook import RuleBook
from copilot.store import Store, open_store
from copilot.store.models import ShopRule
from copilot.store.rule_schemas import RuleCreate
from copilot.store.rules import bump_rules_version, create_shop_rule, set_default_enabled

RULES = PROJECT_ROOT / "rules"


@pytest.fixture
def store(database_url: str, phrasebank_dir: Path) -> Iterator[Store]:
    opened = open_store(database_url, phrasebank_dir)
    yield opened
    opened.dispose()


def hits(book: RuleBook, text: str) -> list[str]:
    return [d.rule for d in book.linter.lint(text).diagnostics]


def test_a_rebuild_is_swapped_in_whole_and_only_when_the_version_moved(store: Store) -> None:
    book = RuleBook(RULES, store)
    old = book.linter
    assert asyncio.run(book.refresh()) is False and book.linter is old
    with store.begin() as session:
        create_shop_rule(session, data=RuleCreate(kind="forbid", term="亲爱滴"))
        set_default_enabled(session, rule_id="style.polite-pronoun", enabled=False, pack_enabled=True)
    assert hits(book, "你好亲爱滴") == ["style.polite-pronoun"]  # not yet refreshed
    assert asyncio.run(book.refresh()) is True
    assert hits(book, "你好亲爱滴") == ["shop.1"]
    assert [d.rule for d in old.lint("你好亲爱滴").diagnostics] == ["style.polite-pronoun"]  # in-flight keep theirs


def test_a_stored_rule_that_no_longer_builds_is_logged_and_skipped(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime.now(UTC)
    with store.begin() as session:
        create_shop_rule(session, data=RuleCreate(kind="forbid", term="亲爱滴"))
        # Written around the API, as a hand-edited database or an older release might leave it.
        session.add(
            ShopRule(
                id="shop.2",
                kind="regex",
                term="(坏",
                replacements=[],
                severity="error",
                message="x",
                scope="all",
                enabled=True,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        bump_rules_version(session)
    with caplog.at_level(logging.ERROR, logger="copilot.rulebook"):
        book = RuleBook(RULES, store)
    assert "shop rule shop.2 skipped" in caplog.text and "正则表达式无效" in caplog.text
    assert hits(book, "亲爱滴") == ["shop.1"]
    assert [r.id for r in book.linter.rules if r.id.startswith("shop.")] == ["shop.1"]


def test_a_broken_default_pack_still_refuses_to_start(store: Store, tmp_path: Path) -> None:
    packs = tmp_path / "rules"
    packs.mkdir()
    (packs / "bad.yaml").write_text("rules:\n  - id: x\n    kind: regex\n    message: m\n    pattern: '('\n")
    with pytest.raises(RulePackError, match="bad.yaml:2"):
        RuleBook(packs, store)
