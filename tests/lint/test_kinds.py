"""Each rule kind on a tiny inline pack: what it hits, what it leaves alone, and its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from copilot.lint import Linter
from copilot.lint.kinds import KINDS
from copilot.lint.loader import build_rule


def lint_with(text: str, *rules: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    linter = Linter([build_rule({"message": "测试", **rule}, "t") for rule in rules])
    return [(d.rule, d.text, d.replacements[0] if d.replacements else None) for d in linter.lint(text).diagnostics]


def test_forbid_hits_listed_terms_anywhere() -> None:
    rule = {"id": "f", "kind": "forbid", "terms": ["滚蛋"]}
    assert lint_with("你给我滚蛋", rule) == [("t.f", "滚蛋", None)]


def test_forbid_word_mode_skips_terms_inside_longer_words() -> None:
    rule = {"id": "f", "kind": "forbid", "terms": ["滚", "垃圾"], "word": True}
    assert lint_with("滚筒洗衣机送垃圾袋", rule) == []
    assert lint_with("垃圾", rule) == [("t.f", "垃圾", None)]


def test_forbid_allow_list_silences_covered_hits() -> None:
    rule = {"id": "f", "kind": "forbid", "terms": ["神经"], "allow": ["神经系统"]}
    assert lint_with("神经系统", rule) == []
    assert lint_with("神经", rule) == [("t.f", "神经", None)]


def test_substitute_offers_each_terms_own_replacement() -> None:
    rule = {"id": "s", "kind": "substitute", "swap": {"不行": "无法帮到您", "到不了": ["无法到达", "暂时无法送达"]}}
    assert lint_with("不行,到不了", rule) == [("t.s", "不行", "无法帮到您"), ("t.s", "到不了", "无法到达")]


def test_no_bu_flags_the_whole_jieba_word() -> None:
    assert lint_with("这个不太合适", {"id": "b", "kind": "no_bu"}) == [("t.b", "不太", None)]


def test_no_bu_leaves_allowed_set_phrases() -> None:
    rules = ({"id": "b", "kind": "no_bu"}, {"id": "a", "kind": "allow", "terms": ["不客气", "不用谢"]})
    assert lint_with("不客气,不用谢", *rules) == []


def test_substitute_beats_no_bu_on_the_same_words() -> None:
    rules = ({"id": "b", "kind": "no_bu"}, {"id": "s", "kind": "substitute", "swap": {"不好意思": "非常抱歉"}})
    assert lint_with("不好意思", *rules) == [("t.s", "不好意思", "非常抱歉")]


def test_pronoun_flags_you_but_not_mini_or_plural() -> None:
    rule = {"id": "p", "kind": "pronoun"}
    assert lint_with("你好,迷你款给你们", rule) == [("t.p", "你", "您")]


def test_pronoun_flags_plural_when_the_pack_says_so() -> None:
    rule = {"id": "p", "kind": "pronoun", "plural_ok": False}
    assert lint_with("你们", rule) == [("t.p", "你", "您")]


def test_promise_hits_terms_and_patterns() -> None:
    rule = {"id": "p", "kind": "promise", "terms": ["保证今天收到"], "patterns": ["明天一定到"]}
    assert lint_with("保证今天收到,明天一定到", rule) == [("t.p", "保证今天收到", None), ("t.p", "明天一定到", None)]


def test_curt_only_fires_on_a_whole_reply() -> None:
    rule = {"id": "c", "kind": "curt", "terms": ["哦", "知道了"]}
    assert lint_with("哦哦哦~", rule) == [("t.c", "哦哦哦", None)]
    assert lint_with(" 知道了!", rule) == [("t.c", "知道了", None)]
    assert lint_with("好的哦,马上处理", rule) == []


def test_contact_patterns_run_on_the_normalised_view() -> None:
    rule = {"id": "c", "kind": "contact", "patterns": ["qq[:]?[0-9]{5,}"]}
    assert lint_with("ＱＱ：１２３４５６", rule) == [("t.c", "ＱＱ：１２３４５６", None)]


def test_regex_is_the_escape_hatch() -> None:
    rule = {"id": "r", "kind": "regex", "pattern": "拍[a-z]发[a-z]", "replacements": ["按订单发货"]}
    assert lint_with("拍A发B", rule) == [("t.r", "拍A发B", "按订单发货")]


def test_allow_terms_silence_every_rule() -> None:
    rules = ({"id": "f", "kind": "forbid", "terms": ["死"]}, {"id": "a", "kind": "allow", "terms": ["死角"]})
    assert lint_with("清洁无死角", *rules) == []


def test_scope_limits_rules_to_presale_or_aftersale() -> None:
    linter = Linter([build_rule({"id": "f", "kind": "forbid", "terms": ["催"], "message": "m", "scope": "售后"}, "t")])
    assert linter.lint("催", "presale").diagnostics == ()
    assert len(linter.lint("催", "aftersale").diagnostics) == 1
    assert len(linter.lint("催", None).diagnostics) == 1


def test_disabled_rules_never_fire() -> None:
    assert lint_with("滚", {"id": "f", "kind": "forbid", "terms": ["滚"], "enabled": False}) == []


def test_every_kind_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"def test_{kind}" in source, f"kind {kind} has no test"
