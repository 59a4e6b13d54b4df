"""Rule patterns on RE2: the same spans Python's engine finds, linear time, clear refusals."""

from __future__ import annotations

import random
import re

import pytest

from copilot.config import PROJECT_ROOT
from copilot.lint import load_rules
from copilot.lint.kinds.patterns import TermsAndPatternsRule
from copilot.lint.linear_regex import LinearPattern, LinearPatternError
from copilot.text.normalize import normalize

PACK_PATTERNS = [
    pattern
    for rule in load_rules([PROJECT_ROOT / "rules"])
    if isinstance(rule, TermsAndPatternsRule)
    for pattern in rule.patterns
]
# Characters the pack patterns care about, so random drafts hit their edges often.
PIECES = [
    *"0123456789 -_.@/:abcmnstxyz靠操草艹,。!?;:、~我的手机号码电话微信扣群¥$",
    "\u3000",
    "\xa0",
    "\n",
    ".com",
    "1381234567",
    "6222",
    "sb",
    "s b",
    "tmd",
    "qq",
    "http://",
    "wx",
]
DRAFTS = [
    "加我微信 kefu_2024 私聊",
    "我的手机 13812345678,您打过来",
    "卡号 6222 0212 3456 7890 123",
    "靠,又坏了",
    "可靠的商品",
    "usb 接口",
    "s b",
    "访问 shop.example.com/x 下单",
    "13812345678913812345678",
    "靠 操 草",
]


def python_spans(pattern: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(pattern, text) if m.end() > m.start()]


@pytest.mark.parametrize("pattern", PACK_PATTERNS)
def test_pack_patterns_find_what_pythons_engine_finds(pattern: str) -> None:
    compiled = LinearPattern(pattern)
    rng = random.Random(pattern)
    drafts = [normalize(d).text for d in DRAFTS]
    drafts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))) for _ in range(2000)]
    for draft in drafts:
        assert list(compiled.spans(draft)) == python_spans(pattern, draft), draft


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"加\w*微信", "加个人微信"),  # \w spans Chinese, as in Python
        (r"\d{3}", "١٢٣ 456"),  # Unicode digits
        (r"a\sb", "a\u3000b a\xa0b a\u2028b"),  # every Unicode space
        (r"[^\s,]+", "好 的,亲"),
        (r"\u4e00+", "一一二"),
        (r"x{,2}y", "xxxy"),  # {,n} is {0,n}
        (r"(?i)AB|c(?!d)", "ab cd ce"),
        (r"(?<=满)\d+", "满100减20"),
        (r"a|(?<![0-9])\d\d(?![0-9])", "a 12 123 b45"),
        (r"(?<![a-z])sb(?![a-z])", "sb usb sbx sb"),
    ],
)
def test_python_semantics_are_kept(pattern: str, text: str) -> None:
    assert list(LinearPattern(pattern).spans(text)) == python_spans(pattern, text)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(亲)\1", "反向引用"),
        (r"(?P<x>亲)(?P=x)", "反向引用"),
        (r"好评(?=返现)", "前后断言"),
        (r"(?<=好评后)返", "前后断言"),
        (r"a{5000}", "过于庞大"),
        (r"好评(返", "正则表达式无效"),
    ],
)
def test_what_re2_cannot_run_is_refused_with_the_reason(pattern: str, reason: str) -> None:
    with pytest.raises(LinearPatternError, match=reason):
        LinearPattern(pattern)


def test_offsets_are_characters_not_bytes() -> None:
    assert list(LinearPattern(r"(?<![0-9])\d{3}(?![0-9])").spans("号码：１２３ 456")) == [(3, 6), (7, 10)]
    assert list(LinearPattern("坏").spans("好好坏好坏")) == [(2, 3), (4, 5)]
