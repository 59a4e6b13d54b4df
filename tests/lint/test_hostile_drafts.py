"""Drafts built to be slow (thousands of 不 or 你): lint stays linear, lists at most the cap, and the
verdict still counts what it left out."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import pytest

from copilot.lint import Linter
from copilot.lint.engine import MAX_DIAGNOSTICS, MORE_RULE
from copilot.lint.loader import build_rule
from copilot.text.tokenize import lint_tokenizer

HOSTILE = {"bu": "不", "ni": "你", "mixed": "不好意思你", "clauses": "你不,", "sentences": "你。"}


def repeat(unit: str, chars: int) -> str:
    return (unit * (chars // len(unit) + 1))[:chars]


def cold(linter: Linter, text: str) -> float:
    """Seconds one lint takes with the linter's and jieba's caches emptied first."""
    linter.clear_cache()
    lint_tokenizer().clear_cache()
    started = time.perf_counter()
    linter.lint(text)
    return time.perf_counter() - started


def calls(func: Callable[[], object]) -> int:
    """How many Python and built-in function calls func makes: a count of work that load cannot skew."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        func()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("unit", ["不", "你", "不好意思你"], ids=["bu", "ni", "mixed"])
def test_an_8000_character_draft_of_repeats_lints_in_50_ms(linter: Linter, unit: str) -> None:
    # best of three cold runs: a timing bound in a test, so generous and robust to a busy machine
    text = repeat(unit, 8000)
    assert min(cold(linter, text) for _ in range(3)) <= 0.050


@pytest.mark.parametrize("unit", HOSTILE.values(), ids=HOSTILE.keys())
def test_lint_work_grows_linearly_with_the_draft(linter: Linter, unit: str) -> None:
    # counted, not timed: doubling the draft at most doubles the work (it was fourfold: quadratic)
    small = calls(lambda: (linter.clear_cache(), linter.lint(repeat(unit, 4000))))
    large = calls(lambda: (linter.clear_cache(), linter.lint(repeat(unit, 8000))))
    assert large <= 2.2 * small


@pytest.mark.parametrize("unit", HOSTILE.values(), ids=HOSTILE.keys())
def test_past_the_cap_one_diagnostic_says_how_many_more(linter: Linter, unit: str) -> None:
    result = linter.lint(repeat(unit, 8000))
    assert len(result.diagnostics) == MAX_DIAGNOSTICS + 1
    listed, more = result.diagnostics[:-1], result.diagnostics[-1]
    assert MORE_RULE not in {d.rule for d in listed}
    assert more.rule == MORE_RULE and more.message.startswith("还有") and "未列出" in more.message
    assert f"最多列出 {MAX_DIAGNOSTICS} 处" in more.message
    assert result.verdict == "warn" and more.severity.value == "warning"
    assert all(a.end <= b.start for a, b in zip(listed, listed[1:], strict=False))  # text order, no overlaps
    assert len(result.as_dict()["diagnostics"]) == MAX_DIAGNOSTICS + 1


def test_the_verdict_counts_an_error_past_the_cap(linter: Linter) -> None:
    # the insult comes after thousands of 你: not listed, still blocking
    result = linter.lint(repeat("你", 6000) + "，滚")
    assert result.verdict == "block"
    assert all(d.severity.value == "warning" for d in result.diagnostics[:-1])
    assert result.diagnostics[-1].rule == MORE_RULE and result.diagnostics[-1].severity.value == "error"


def test_the_verdict_counts_errors_in_sentences_past_the_cap(linter: Linter) -> None:
    # sentences past a few times the cap are only counted and weighed, not listed
    result = linter.lint("你好。" * 1000 + "滚。")
    assert result.verdict == "block"
    assert result.diagnostics[-1].rule == MORE_RULE and result.diagnostics[-1].severity.value == "error"
    assert "至少" in result.diagnostics[-1].message


def small_linter(cap: int) -> Linter:
    rules = [
        build_rule({"id": "p", "kind": "pronoun", "message": "请用您"}, "t"),
        build_rule({"id": "f", "kind": "forbid", "terms": ["滚"], "message": "禁语"}, "t"),
    ]
    return Linter(rules, max_diagnostics=cap)


def test_up_to_the_cap_every_problem_is_listed_and_nothing_more() -> None:
    result = small_linter(5).lint("你" * 5)
    assert [d.rule for d in result.diagnostics] == ["t.p"] * 5
    assert result.fixed == "您" * 5


def test_one_past_the_cap_the_summary_counts_exactly() -> None:
    result = small_linter(5).lint("你" * 6)
    assert [d.rule for d in result.diagnostics] == ["t.p"] * 5 + [MORE_RULE]
    more = result.diagnostics[-1]
    assert more.message.startswith("还有 1 处问题未列出") and (more.start, more.end, more.text) == (5, 6, "你")


def test_the_summary_is_as_severe_as_the_worst_problem_it_stands_for() -> None:
    result = small_linter(3).lint("你你你你滚")
    assert result.verdict == "block"
    assert [d.rule for d in result.diagnostics] == ["t.p"] * 3 + [MORE_RULE]
    assert result.diagnostics[-1].severity.value == "error" and "还有 2 处" in result.diagnostics[-1].message


def test_normal_drafts_are_not_capped(linter: Linter) -> None:
    result = linter.lint("不好意思,你的快递明天一定到")
    assert MORE_RULE not in {d.rule for d in result.diagnostics}
