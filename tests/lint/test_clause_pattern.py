"""The clause pattern language: what each element matches, which word anchors a pattern, what is refused."""

from __future__ import annotations

import pytest

from copilot.lint.clause_pattern import NUMBER, PatternError, WordClass, compile_pattern

CLASSES = {
    "party": WordClass("party", ("快递", "物流公司")),
    "when": WordClass("when", pattern="(明天|后天) ({num} 点)?"),
}


def matches(pattern: str, text: str) -> list[str]:
    return [m.group() for m in compile_pattern(pattern, CLASSES).regex.finditer(text)]


def test_whitespace_only_separates_elements() -> None:
    assert matches("管 不了", "我们管不了") == ["管不了"]


def test_optional_elements_and_alternatives() -> None:
    assert matches("我们? (也|真的)? 管不了", "我们也管不了，真的管不了") == ["我们也管不了", "真的管不了"]


def test_a_class_matches_any_of_its_words_longest_first() -> None:
    assert matches("{party} 的 事", "物流公司的事") == ["物流公司的事"]


def test_the_gap_stays_inside_one_clause() -> None:
    assert matches("到底 … 买", "到底要不要买") == ["到底要不要买"]
    assert matches("到底 … 买", "到底，买") == []


def test_numbers_are_built_in() -> None:
    assert matches("{when} 到", "明天12点到，后天到") == ["明天12点到", "后天到"]
    assert NUMBER == "num"


def test_clause_end_lets_particles_and_emoji_follow() -> None:
    assert matches("就这样 $", "就这样吧😊") == ["就这样"]
    assert matches("就这样 $", "就这样做") == []


def test_patterns_match_the_normalised_view() -> None:
    assert matches("加 微信", "加微信") == ["加微信"]
    assert compile_pattern("ＱＱ号", {}).anchors == ("qq号",)


def test_the_anchor_is_the_most_selective_required_word() -> None:
    assert compile_pattern("的 … 管不了", CLASSES).anchors == ("管不了",)  # 的 is in every other draft
    assert compile_pattern("没 (看|读)", CLASSES).anchors == ("没看", "没读")  # two short neighbours together
    assert compile_pattern("{party} 的", CLASSES).anchors == ("快递的", "物流公司的")
    assert compile_pattern("(管不了|帮不了) 呀", CLASSES).anchors == ("帮不了", "管不了")


def test_captures_are_named_after_their_class() -> None:
    compiled = compile_pattern("{when} 一定 到", CLASSES)
    assert compiled.captures == {"c_when": "when"}
    assert compiled.regex.search("后天3点一定到").group("c_when") == "后天3点"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("", "不能为空"),
        ("(找|问", "没有闭合"),
        ("找)", r"没有对应的 \("),
        ("? 找", "前面没有可以省略的成分"),
        ("(|找)", "空的选项"),
        ("{Party}", "小写英文名称"),
        ("{nobody} 找", "未知的词类 {nobody}"),
        ("<v> 不", "只出现了一次"),
        ("…", "至少要有一个必须出现的词"),
    ],
)
def test_malformed_patterns_are_refused_with_a_reason(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        compile_pattern(pattern, CLASSES)
