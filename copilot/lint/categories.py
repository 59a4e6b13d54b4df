"""What kind of problem a rule catches: the classes the seeds name, with the labels agents read."""

from __future__ import annotations

from typing import Literal

# id -> the Chinese label agents and leads see; the lint quality benchmark reports recall per id.
CATEGORIES: dict[str, str] = {
    "insult": "辱骂轻蔑",
    "impatience": "不耐烦、质问",
    "brush_off": "推诿、推卸责任",
    "dismissal": "敷衍、态度生硬",
    "address": "称呼不当",
    "curt": "回复过于简短",
    "promise": "承诺时效或保证",
    "offsite": "站外联系或交易",
    "policy": "违反平台规则",
    "style": "用语规范",
    "custom": "本店规则",
}

Category = Literal[
    "insult",
    "impatience",
    "brush_off",
    "dismissal",
    "address",
    "curt",
    "promise",
    "offsite",
    "policy",
    "style",
    "custom",
]
