"""Personal data masked before anything of a chat is stored (placeholder version: phones and emails;
the full masker replaces this module)."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask(text: str) -> str:
    """The text with personal data replaced by a bracketed label."""
    return _EMAIL.sub("〔邮箱〕", _PHONE.sub("〔手机号〕", text))
