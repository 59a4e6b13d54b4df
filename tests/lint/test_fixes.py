"""Fix-all: a golden table of whole drafts with their exact fixed text, and the guarantees every fix keeps.

Every fixed text in the table was read aloud: no doubled words, no half-replaced phrases, full-width
punctuation where the fix brings any. `fixed_verdict` is the verdict of the fixed text itself.
"""

from __future__ import annotations

import random

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from copilot.config import PROJECT_ROOT
from copilot.lint import Linter
from tests.conftest import DATA

FIXES = yaml.safe_load((DATA / "lint_fixes.yaml").read_text(encoding="utf-8"))["fixes"]
RANK = {"ok": 0, "warn": 1, "block": 2}


@pytest.mark.parametrize("case", FIXES, ids=[c["text"] for c in FIXES])
def test_fix_all_gives_natural_chinese(linter: Linter, case: dict) -> None:
    result = linter.lint(case["text"])
    assert (result.fixed, result.fixed_verdict) == (case["fixed"], case["verdict"])


def test_the_table_holds_at_least_80_whole_drafts() -> None:
    assert len({c["text"] for c in FIXES}) >= 80


def test_fixed_verdict_is_the_verdict_of_the_fixed_text(linter: Linter) -> None:
    for case in FIXES:
        result = linter.lint(case["text"])
        assert linter.lint(result.fixed).verdict == result.fixed_verdict


# Drafts for the properties: fragments of the corpora (bad and good) strung together, as agents type.
_FRAGMENTS = [
    item["text"]
    for name in ("lint_dev.yaml", "lint_dev2.yaml", "lint_dev3.yaml", "lint_dev4.yaml")
    if (PROJECT_ROOT / "bench" / "data" / name).exists()
    for item in yaml.safe_load((PROJECT_ROOT / "bench" / "data" / name).read_text(encoding="utf-8"))["drafts"]
] + [case["text"] for case in FIXES]
drafts = st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=4).map(
    lambda parts: random.Random(len(parts)).choice(["，", "。", " ", ""]).join(parts)
)


@settings(max_examples=200, deadline=None)
@given(drafts)
def test_fixing_twice_changes_nothing(linter: Linter, text: str) -> None:
    fixed = linter.lint(text).fixed
    assert linter.lint(fixed).fixed == fixed


@settings(max_examples=200, deadline=None)
@given(drafts)
def test_the_fixed_text_never_lints_worse_than_the_draft(linter: Linter, text: str) -> None:
    result = linter.lint(text)
    assert RANK[result.fixed_verdict] <= RANK[result.verdict]


@settings(max_examples=100, deadline=None)
@given(drafts)
def test_fixes_bring_no_half_width_punctuation_between_chinese(linter: Linter, text: str) -> None:
    result = linter.lint(text)
    for d in result.diagnostics:
        for replacement in d.replacements:
            assert not any(mark in replacement for mark in ",;:!?"), (d.rule, replacement)
