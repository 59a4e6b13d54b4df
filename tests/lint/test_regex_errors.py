"""A lead's broken regular expression is explained in Chinese, with the character where it goes wrong."""

from __future__ import annotations

import re

import pytest

from copilot.lint.linear_regex import LinearPattern, LinearPatternError


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("好评(返", "第 3 个字符处，左括号“(”没有对应的右括号“)”"),
        ("好评)返", "第 3 个字符处，多了一个右括号“)”"),
        ("[返现", "第 1 个字符处，方括号“[”没有闭合"),
        ("*好评", "第 1 个字符处，重复符号（* + ? {n}）前面没有可以重复的内容"),
        ("好评**", "第 4 个字符处，重复符号连用"),
        ("返{3,1}", "第 3 个字符处，重复次数 {m,n} 的最小值大于最大值"),
        (r"好评\q", "第 3 个字符处，不认识的转义“\\q”"),
        ("[9-0]", "第 2 个字符处，字符范围“9-0”无效"),
        ("好评\\", "第 3 个字符处，以单独的反斜杠"),
        (r"\G返现", "第 1 个字符处，不认识的转义“\\G”"),
        ("(?u)返现", "第 1 个字符处，匹配引擎（RE2）不支持“(?u”这种写法"),
    ],
)
def test_a_broken_pattern_is_refused_in_chinese_with_its_position(pattern: str, reason: str) -> None:
    with pytest.raises(LinearPatternError) as refused:
        LinearPattern(pattern)
    message = str(refused.value)
    assert reason in message
    assert not re.search(r"[A-Za-z]{4,}", message.replace(repr(pattern), "")), message  # no English words left
