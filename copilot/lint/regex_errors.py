"""Why a regular expression is refused, in Chinese, with where: Python's and RE2's parsers say it in English.

A lead typing a shop regex rule reads this message beside the field, so the common mistakes (an
unclosed bracket, a lone quantifier, an unknown escape) are named in words and located by character
(counted from 1, as a lead counts); a rare reason keeps the parser's own words after the Chinese.
"""

from __future__ import annotations

import re

# Python's re.error messages (Lib/re/_parser.py), each with what it means for the lead ({0}: the
# message's first group).
_PYTHON: tuple[tuple[str, str], ...] = (
    (r"missing \), unterminated comment", "注释“(?#…”缺少收尾的右括号“)”"),
    (r"missing \), unterminated subpattern", "左括号“(”没有对应的右括号“)”"),
    (r"unbalanced parenthesis", "多了一个右括号“)”，前面没有对应的左括号“(”"),
    (r"unterminated character set", "方括号“[”没有闭合，缺少“]”"),
    (r"multiple repeat", "重复符号连用（如 a**、a+*），重复符号后面不能再跟重复符号"),
    (r"nothing to repeat", "重复符号（* + ? {n}）前面没有可以重复的内容；要匹配这个符号本身，请在前面加“\\”"),
    (r"min repeat greater than max repeat", "重复次数 {m,n} 的最小值大于最大值"),
    (r"bad escape \(end of pattern\)", "以单独的反斜杠“\\”结尾；要匹配反斜杠本身请写“\\\\”"),
    (r"bad escape (\\.)", "不认识的转义“{0}”；要匹配这个字符本身，请去掉前面的反斜杠"),
    (r"bad character range (.+)", "字符范围“{0}”无效：起点在终点之后"),
    (r"look-behind requires fixed-width pattern", "后行断言（(?<=…)、(?<!…)）里只能写固定长度的内容"),
    (r"unexpected end of pattern", "写到一半就结束了，缺少后面的内容"),
    (r"redefinition of group name '(.*)'", "分组名“{0}”重复定义"),
    (r"bad character in group name '(.*)'", "分组名“{0}”含不允许的字符"),
    (r"missing group name", "分组缺少名字"),
    (r"missing >, unterminated name", "分组名缺少收尾的“>”"),
    (r"unknown group name '(.*)'", "引用了不存在的分组名“{0}”"),
    (r"invalid group reference (\d+)", "引用了不存在的第 {0} 个分组"),
    (r"unknown extension (\?.*)", "不认识的分组写法“({0}”"),
    (r"unknown flag", "不认识的标志（只能用 a i L m s u x）"),
    (r"global flags not at the start", "全局标志（如 (?i)）只能写在最前面"),
    (r"incomplete escape (\\.*)", "转义“{0}”不完整"),
)

# RE2's messages (re2/regexp.cc): what it refuses that Python's engine would accept.
_RE2: tuple[tuple[str, str], ...] = (
    (r"invalid escape sequence: (.+)", "匹配引擎（RE2）不支持转义“{0}”"),
    (r"invalid character class range: (.+)", "字符类“{0}”无效或不受支持"),
    (r"invalid character class: (.+)", "字符类“{0}”无效"),
    (r"invalid perl operator: (.+)", "匹配引擎（RE2）不支持“{0}”这种写法"),
    (r"invalid named capture group: (.+)", "分组名写法“{0}”无效"),
    (r"invalid repetition size: (.+)", "重复次数“{0}”超出上限（最多 1000）"),
    (r"bad repetition operator: (.+)", "重复符号“{0}”用法不对"),
    (r"missing argument to repetition operator: (.+)", "重复符号“{0}”前面没有可以重复的内容"),
    (r"invalid UTF-8", "含无效的字符编码"),
)


def _where(position: int | None) -> str:
    return f"第 {position + 1} 个字符处" if position is not None else ""


def explain_python_error(source: str, error: re.error) -> str:
    """The whole refusal for a pattern Python's parser rejected: what is wrong and at which character."""
    return _sentence(source, _PYTHON, error.msg, error.pos)


def explain_re2_error(source: str, detail: str) -> str:
    """The whole refusal for a pattern RE2 rejected; RE2 quotes the fragment, so the place is found by it."""
    fragment = detail.rpartition(": ")[2] if ": " in detail else ""
    at = source.find(fragment) if fragment else -1
    return _sentence(source, _RE2, detail, at if at >= 0 else None)


def _sentence(
    source: str,
    table: tuple[tuple[str, str], ...],
    detail: str,
    position: int | None,
) -> str:
    where = _where(position)
    lead = f"正则表达式无效 {source!r}：{where}{'，' if where else ''}"
    for pattern, say in table:
        found = re.match(pattern, detail)
        if found:
            return lead + say.replace("{0}", found.group(1) if found.groups() else "")
    # a reason too rare to have words here: say where, and keep the parser's own words for the curious
    return f"{lead}写法有误（解析器提示：{detail}）"
