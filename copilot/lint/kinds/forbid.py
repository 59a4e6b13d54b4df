"""forbid: terms that must never be sent (禁语, insults, rude brush-offs)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, ShopForm, normalized_terms


class ForbidRule(Rule):
    kind: Literal["forbid"] = "forbid"
    severity: Severity = Severity.ERROR
    terms: tuple[str, ...] = Field(min_length=1)
    # Only hit whole jieba words: 操 in 操作 or 靠 in 可靠 stay quiet.
    word: bool = False
    label: ClassVar[str] = "禁用词"
    shop: ClassVar[ShopForm | None] = ShopForm(
        order=1,
        severity=Severity.ERROR,
        message="本店禁用语，请勿发送",
        term="词条",
        replacements="optional",
        replacements_hint="可选，作为一键修改",
        example="滚",
    )

    @classmethod
    def shop_fields(cls, term: str, replacements: list[str]) -> dict[str, Any]:
        return {"terms": [term], "replacements": replacements}

    def summary(self) -> list[Any]:
        return list(self.terms)

    def listed_terms(self) -> list[str]:
        return list(self.terms)

    def literals(self) -> list[str]:
        return normalized_terms(self.terms)

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        found = []
        for _, start, end in draft.hits.get(index, ()):
            if draft.is_allowed(index, start, end):
                continue
            if self.word and not draft.is_word(start, end):
                continue
            found.append(self.diagnostic(draft, start, end))
            if len(found) >= draft.limit:
                break
        return found
