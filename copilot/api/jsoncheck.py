"""JSON from clients, checked before it is parsed: nesting depth, UTF-8, and decode errors said in Chinese.

Shared by HTTP bodies (copilot.api.limits), LanguageTool's `data` field and WebSocket frames.
"""

from __future__ import annotations

import json
from typing import Any

# Keep only brackets, objects' as arrays' (nesting is nesting), so one bytes.replace peels a level.
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")

DECODE_ERRORS = {  # json's decode messages, as json.JSONDecodeError.msg has them
    "Expecting value": "此处缺少一个值",
    "Expecting property name enclosed in double quotes": "属性名应使用双引号",
    "Expecting ',' delimiter": "此处缺少逗号",
    "Expecting ':' delimiter": "此处缺少冒号",
    "Unterminated string starting at": "字符串没有结束引号",
    "Invalid control character at": "字符串中有未转义的控制字符",
    "Invalid \\escape": "无效的转义序列",
    "Invalid \\uXXXX escape": "无效的 \\uXXXX 转义",
    "Extra data": "JSON 结束后还有多余内容",
}


class JsonRefused(ValueError):
    """JSON we will not parse or could not: a stable code and a Chinese message saying where and why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def nesting_exceeds(raw: str | bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit`; linear in the text, brackets in strings ignored.

    Strings are cut out, everything but brackets dropped, then innermost pairs are peeled a level per
    round: at most `limit` + 1 passes of bytes.replace, each in C. What cannot be peeled (unbalanced, as
    in a truncated body) is `]…][…[`; its open brackets still count, since the parser would descend them.
    """
    data = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:  # every everyday body: too few brackets to nest that deep
        return False
    brackets = _outside_strings(data).translate(_BRACKETS, _NOT_BRACKETS)
    if len(brackets) - len(brackets.lstrip(b"[")) > limit:  # the usual attack: a long run of openers
        return True
    levels = 0
    while brackets:
        peeled = brackets.replace(b"[]", b"")
        if len(peeled) == len(brackets):
            return levels + peeled.count(b"[") > limit
        levels += 1
        if levels > limit:
            return True
        brackets = peeled
    return False


def _outside_strings(data: bytes) -> bytes:
    """The text with every string's content cut out (an unterminated one runs to the end), in C passes only.

    Backslashes pair left to right, so dropping `\\\\` and then `\\"` leaves only the quotes that open or
    close strings; splitting on them puts what lies outside strings at the even places.
    """
    if b"\\" in data:
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    if b'"' not in data:
        return data
    return b"".join(data.split(b'"')[::2])


def describe_decode_error(exc: json.JSONDecodeError) -> str:
    """json's own error, in Chinese, with the character position."""
    reason = DECODE_ERRORS.get(exc.msg, "格式有误")
    return f"{reason}（第 {exc.pos + 1} 个字符）"


def describe_utf8_error(exc: UnicodeDecodeError) -> str:
    return f"不是合法的 UTF-8 编码（第 {exc.start + 1} 个字节）"


def parse_json(raw: str, max_depth: int, what: str) -> Any:
    """Parse text named `what` in messages (e.g. "消息", "data"), or raise JsonRefused."""
    if nesting_exceeds(raw, max_depth):
        raise JsonRefused("json_too_deep", f"{what} 的 JSON 嵌套超过 {max_depth} 层")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise JsonRefused("invalid_json", f"{what} 不是合法的 JSON：{describe_decode_error(exc)}") from None
    except RecursionError:  # not reachable past the depth check; kept so no input can raise it
        raise JsonRefused("json_too_deep", f"{what} 的 JSON 嵌套过深") from None
