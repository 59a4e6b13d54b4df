"""Golden cases: real sentences from the seeds' rules with their exact diagnostics and fixes."""

from __future__ import annotations

import pytest
import yaml

from copilot.lint import Linter
from tests.conftest import DATA

CASES = yaml.safe_load((DATA / "lint_golden.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["text"] for c in CASES])
def test_golden_case(linter: Linter, case: dict) -> None:
    result = linter.lint(case["text"])
    got = [[d.rule, d.text, d.replacements[0] if d.replacements else None] for d in result.diagnostics]
    assert got == case["expect"]
    for d in result.diagnostics:
        assert case["text"][d.start : d.end] == d.text


def test_golden_cases_cover_every_default_rule(linter: Linter) -> None:
    expected_rules = {d[0] for case in CASES for d in case["expect"]}
    assert expected_rules == {rule.id for rule in linter.rules}


def test_fix_all_rewrites_the_seed_example(linter: Linter) -> None:
    # seed 004 (10): 今天发货，明天可以到 → 正常今天可以发出 / 尽力催促
    result = linter.lint("不好意思,你的快递今天发货,明天可以到哦")
    assert result.verdict == "block"
    assert result.fixed == "非常抱歉,您的快递正常今天就能发出，预计明天能到呢"
    assert result.fixed_verdict == "ok"
