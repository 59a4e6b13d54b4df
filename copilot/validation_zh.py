"""Pydantic's validation errors as short Chinese reasons: the one table every interface uses.

The API (request bodies, query and path parameters, WebSocket frames), the rule-pack loader and the phrase
import each say *where* a problem is in their own way (a JSON path, a pack key, a spreadsheet column);
*why* comes from here, so the same mistake reads the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# pydantic error type -> why, in Chinese. A type missing here falls back to pydantic's message when it is
# already Chinese (our own validators raise Chinese), else to 取值无效（type）: English never reaches a user.
REASONS: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
    "model_type": "应为对象（键值映射）",
    "dict_type": "应为对象（键值映射）",
    "string_type": "应为字符串",
    "string_unicode": "包含无效的字符(单独的代理项)",
    "string_too_long": "文本过长",
    "string_too_short": "文本过短",
    "string_pattern_mismatch": "只能用字母、数字、点、下划线和连字符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能带小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "too_short": "项数过少",
    "too_long": "项数过多",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "union_tag_invalid": "类型无效",
    "union_tag_not_found": "缺少类型字段",
    "recursion_loop": "嵌套过深",
}
# A minimum of one means "must not be empty", which says it better than "too short".
_EMPTY_WHEN_MIN_ONE = frozenset({"string_too_short", "too_short"})
# Choices pydantic can list: the reason says which values would do.
_CHOICES = frozenset({"literal_error", "enum"})
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    """True when text holds Chinese (so it was written for users, not by pydantic or Starlette)."""
    return bool(_CHINESE.search(text))


def reason(item: Mapping[str, Any]) -> str:
    """Why one item of `ValidationError.errors()` failed, in Chinese (without where: callers add that)."""
    kind = item["type"]
    ctx = item.get("ctx") or {}
    if kind in _EMPTY_WHEN_MIN_ONE and ctx.get("min_length") == 1:
        return "不能为空"
    if kind in REASONS:
        text = REASONS[kind]
        return f"{text}(可选: {ctx.get('expected', '')})" if kind in _CHOICES else text
    message = str(ctx["error"]) if kind == "value_error" and "error" in ctx else str(item["msg"])
    message = message.removeprefix("Value error, ")
    # Our own validators and custom errors speak Chinese already; pydantic's other messages do not.
    return message if is_chinese(message) else f"取值无效（{kind}）"
