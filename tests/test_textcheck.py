"""The checks every interface applies to user text: a length limit and no lone surrogates, each refused with
a stable code and a Chinese message naming the field and where."""

from __future__ import annotations

import pytest

from copilot.textcheck import TextError, check_text


def test_text_within_the_limit_passes() -> None:
    check_text("亲，今天下单明天发货哦😊", 12)
    check_text("", 0)


def test_text_over_the_limit_names_the_field_its_length_and_the_limit() -> None:
    with pytest.raises(TextError) as refused:
        check_text("在吗" * 3, 5, "draft")
    assert refused.value.code == "text_too_long"
    assert refused.value.message == "draft 过长:6 个字符,上限 5 个字符"


def test_a_lone_surrogate_is_refused_with_its_position_and_code_point() -> None:
    with pytest.raises(TextError) as refused:
        check_text("发货\udc80了", 100)
    assert refused.value.code == "invalid_character"
    assert refused.value.message == "text 第 2 个字符是无效的 Unicode 代理字符 (U+DC80),请检查编码"


def test_the_length_is_checked_before_the_characters() -> None:
    with pytest.raises(TextError) as refused:
        check_text("\ud800" * 10, 3)
    assert refused.value.code == "text_too_long"
