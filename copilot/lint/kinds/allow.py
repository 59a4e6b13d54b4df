"""allow: shop-wide exceptions; a span covered by one of these terms is never flagged by any rule."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from copilot.lint.diagnostic import Diagnostic
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule


class AllowRule(Rule):
    kind: Literal["allow"] = "allow"
    message: str = "允许的说法"
    terms: tuple[str, ...] = Field(min_length=1)

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        return []  # the linter feeds these terms to every rule's allow-list instead
