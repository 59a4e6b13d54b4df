"""regex: the escape hatch, one regular expression on the normalised view."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import model_validator

from copilot.lint.diagnostic import Severity
from copilot.lint.kinds.base import ShopForm
from copilot.lint.kinds.patterns import TermsAndPatternsRule


class RegexRule(TermsAndPatternsRule):
    kind: Literal["regex"] = "regex"
    pattern: str
    label: ClassVar[str] = "正则"
    shop: ClassVar[ShopForm | None] = ShopForm(
        order=4,
        severity=Severity.WARNING,
        message="本店规则不允许这样的说法",
        term="正则表达式",
        replacements="optional",
        replacements_hint="可选，作为一键修改",
        example="加[我俺]?微信",
    )

    @classmethod
    def shop_fields(cls, term: str, replacements: list[str]) -> dict[str, Any]:
        return {"pattern": term, "replacements": replacements}

    @model_validator(mode="after")
    def _pattern_is_the_only_one(self) -> RegexRule:
        if self.terms or self.patterns:
            raise ValueError("regex 规则只用 pattern 一个字段,词条请用 forbid 规则")
        object.__setattr__(self, "patterns", (self.pattern,))
        TermsAndPatternsRule._patterns_compile(self.patterns)
        return self
