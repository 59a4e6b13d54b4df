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
    # the whole word goes: 您们 is not said, and in a one-to-one chat 你们 is the customer
    rule = {"id": "p", "kind": "pronoun", "plural_ok": False}
    assert lint_with("你们的订单", rule) == [("t.p", "你们", "您")]


def test_promise_hits_terms_and_patterns() -> None:
    rule = {"id": "p", "kind": "promise", "terms": ["保证今天收到"], "patterns": ["明天一定到"]}
    assert lint_with("保证今天收到,明天一定到", rule) == [("t.p", "保证今天收到", None), ("t.p", "明天一定到", None)]


def test_curt_only_fires_on_a_whole_reply() -> None:
    rule = {"id": "c", "kind": "curt", "terms": ["哦", "知道了"]}
    # the whole reply, punctuation included, so a sentence-long fix replaces all of it
    assert lint_with("哦哦哦~", rule) == [("t.c", "哦哦哦~", None)]
    assert lint_with(" 知道了!", rule) == [("t.c", "知道了!", None)]
    assert lint_with("好的哦,马上处理", rule) == []


def test_curt_takes_a_reply_of_punctuation_alone() -> None:
    rule = {"id": "c", "kind": "curt", "terms": ["?", "…"]}
    assert lint_with("？？？", rule) == [("t.c", "？？？", None)]
    assert lint_with("……", rule) == [("t.c", "……", None)]
    assert lint_with("？好的", rule) == []


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


PARTY = {"party": ["快递", "物流公司", "平台客服"]}


def lint_clause(text: str, rule: dict[str, Any], classes: dict[str, Any] | None = None) -> list[tuple]:
    from copilot.lint.clause_pattern import WordClass

    word_classes = {
        name: WordClass(name, pattern=words)
        if isinstance(words, str)
        else WordClass(name, tuple(words), dict(words) if isinstance(words, dict) else {})
        for name, words in (classes or PARTY).items()
    }
    built = build_rule({"message": "测试", "kind": "clause", **rule}, "t", word_classes)
    return [(d.text, d.replacements[0] if d.replacements else None) for d in Linter([built]).lint(text).diagnostics]


def test_clause_matches_a_structure_with_word_classes() -> None:
    rule = {"id": "c", "patterns": ["(那|这)? 是 {party} 的 (事|问题)"]}
    assert lint_clause("那是物流公司的事，我们管不了", rule) == [("那是物流公司的事", None)]
    assert lint_clause("亲，物流公司已经揽收了", rule) == []


def test_clause_slots_require_the_same_characters_twice() -> None:
    rule = {"id": "c", "patterns": ["爱 <v> 不 <v>", "到底 … <v> 不 <v>"]}
    assert lint_clause("爱买不买", rule) == [("爱买不买", None)]
    assert lint_clause("你到底要不要", rule) == [("到底要不要", None)]
    assert lint_clause("爱不释手的好物", rule) == []


def test_clause_anchors_hold_a_clause_start_and_end() -> None:
    rule = {"id": "c", "patterns": ["^ 就这样 $"]}
    assert lint_clause("好的，就这样吧😊", rule) == [("就这样", None)]
    assert lint_clause("就这样操作就可以了", rule) == []


def test_clause_fix_reuses_what_a_class_matched() -> None:
    classes = {"day": ["明天", "后天"], "sure": ["一定", "保证"]}
    rule = {"id": "c", "patterns": [{"match": "{day} {sure} 到", "fix": "预计{day}能到"}]}
    assert lint_clause("亲，明天一定到的", rule, classes) == [("明天一定到", "预计明天能到")]


def test_clause_fix_uses_the_form_a_mapping_class_gives() -> None:
    classes = {"verb": {"改": "修改", "换": "更换"}}
    rule = {"id": "c", "patterns": [{"match": "{verb} 不了 $", "fix": "无法{verb}"}]}
    assert lint_clause("已经发货的就改不了了", rule, classes) == [("改不了", "无法修改")]


def test_clause_fix_null_offers_no_text() -> None:
    rule = {"id": "c", "replacements": ["别的"], "patterns": [{"match": "管不了", "fix": None}, "没办法 $"]}
    assert lint_clause("我们管不了，也没办法", rule) == [("管不了", None), ("没办法", "别的")]


def test_clause_unless_in_the_clause_or_the_draft_vetoes_a_hit() -> None:
    clause = {"id": "c", "patterns": ["找 {party}"], "unless": ["(帮|替) 您"]}
    assert lint_clause("您找快递吧", clause) == [("找快递", None)]
    assert lint_clause("我帮您找快递核实", clause) == []
    draft = {**clause, "unless_in": "draft"}
    assert lint_clause("您找快递吧，我帮您催", draft) == []
    assert lint_clause("您找快递吧，我帮您催", clause) == [("找快递", None)]


def test_clause_counts_only_whole_words() -> None:
    rule = {"id": "c", "patterns": ["(靠|滚) $"]}
    assert lint_clause("这个很可靠", rule) == []
    assert lint_clause("滚筒洗衣机", {"id": "c", "patterns": ["滚"]}) == []


def test_clause_widens_a_match_to_the_whole_last_word() -> None:
    classes = {"ship": ["给您发", "发货", "发"], "day": ["明天"]}
    rule = {"id": "c", "patterns": ["{day} 肯定 … {ship}"]}
    assert lint_clause("我们明天肯定给您发货", rule, classes) == [("明天肯定给您发货", None)]


def test_clause_own_allow_words_veto_an_overlapping_match() -> None:
    rule = {"id": "c", "patterns": ["您 是 猪"], "allow": ["猪肉"]}
    assert lint_clause("您是猪吗", rule) == [("您是猪", None)]
    assert lint_clause("您是猪肉脯要两包吗", rule) == []


def test_clause_pattern_classes_and_numbers_compose() -> None:
    classes = {"day": ["明天"], "when": "{day} ({num} 点)? 前?"}
    rule = {"id": "c", "patterns": [{"match": "{when} 保证 送到", "fix": "预计{when}送达"}]}
    assert lint_clause("明天12点前保证送到家门口", rule, classes) == [("明天12点前保证送到", "预计明天12点前送达")]


def test_every_kind_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"def test_{kind}" in source, f"kind {kind} has no test"
