"""Checks every interface applies to user text before linting or suggesting it."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


class TextError(ValueError):
    """Text we refuse, with a stable code and a Chinese reason that says where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_text(text: str, limit: int, field: str = "text") -> None:
    """Refuse text over the limit or holding lone surrogates (which no UTF-8 answer can carry)."""
    if len(text) > limit:
        raise TextError("text_too_long", f"{field} 过长:{len(text)} 个字符,上限 {limit} 个字符")
    bad = _SURROGATE.search(text)
    if bad:
        raise TextError(
            "invalid_character",
            f"{field} 第 {bad.start()} 个字符是无效的 Unicode 代理字符 (U+{ord(bad.group()):04X}),请检查编码",
        )
