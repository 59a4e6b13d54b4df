"""The normalised view folds dodges and variants, and every view character maps back to raw text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from copilot.lint import Linter
from copilot.text import normalize


def test_plain_text_keeps_the_identity_map() -> None:
    norm = normalize("您好,欢迎光临")
    assert norm.text == "您好,欢迎光临" and norm.index is None


def test_full_width_and_case_fold() -> None:
    assert normalize("ＱＱ１２３ＡＢ").text == "qq123ab"


def test_traditional_becomes_simplified() -> None:
    assert normalize("對不起，發票").text == "对不起,发票"


def test_separators_between_chinese_characters_are_dropped_and_mapped() -> None:
    norm = normalize("不 好*意_思")
    assert norm.text == "不好意思"
    assert norm.raw_span(0, 4) == (0, 7)


def test_zero_width_characters_are_dropped() -> None:
    norm = normalize("不\u200b行\ufeff")
    assert norm.text == "不行" and norm.raw_span(1, 2) == (2, 3)


def test_separators_between_latin_words_stay() -> None:
    assert normalize("USB 3.0 数据线").text == "usb 3.0 数据线"


def test_expanding_characters_map_to_their_source() -> None:
    norm = normalize("㈠不行")
    assert norm.text == "(一)不行"
    assert norm.raw_span(3, 5) == (1, 3)


text_strategy = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("不好意思你您哦微信QQ１２３對發 *\u200b😀㈠ﬁ")),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(text_strategy)
def test_every_view_character_maps_inside_the_raw_text(raw: str) -> None:
    norm = normalize(raw)
    for i in range(len(norm.text)):
        start, end = norm.raw_span(i, i + 1)
        assert 0 <= start < end <= len(raw)


@settings(max_examples=300, deadline=None)
@given(raw=text_strategy)
def test_diagnostics_point_at_exactly_their_raw_text(raw: str, linter: Linter) -> None:
    result = linter.lint(raw)
    previous_end = 0
    for d in result.diagnostics:
        assert raw[d.start : d.end] == d.text
        assert previous_end <= d.start < d.end  # non-overlapping, in text order
        previous_end = d.end
