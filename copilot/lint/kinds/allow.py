"""allow: shop-wide exceptions; a span covered by one of these terms is never flagged by any rule."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, ShopForm


class AllowRule(Rule):
    kind: Literal["allow"] = "allow"
    message: str = "允许的说法"
    terms: tuple[str, ...] = Field(min_length=1)
    label: ClassVar[str] = "例外"
    shop: ClassVar[ShopForm | None] = ShopForm(
        order=3,
        severity=Severity.INFO,
        message="本店允许的说法",
        term="例外词条（其中的内容不会被任何规则标记）",
        replacements="none",
        replacements_hint="例外不需要替换词",
        example="不客气",
        silent=True,
    )

    @classmethod
    def shop_fields(cls, term: str, replacements: list[str]) -> dict[str, Any]:
        return {"terms": [term]}

    def summary(self) -> list[Any]:
        return list(self.terms)

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        return []  # the linter feeds these terms to every rule's allow-list instead
