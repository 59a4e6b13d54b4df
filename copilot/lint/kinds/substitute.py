"""substitute: a wording with its preferred replacements (不好意思 → 非常抱歉)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, ShopForm, normalized_terms


class SubstituteRule(Rule):
    kind: Literal["substitute"] = "substitute"
    # term -> its replacements, best first
    swap: dict[str, tuple[str, ...]] = Field(min_length=1)
    label: ClassVar[str] = "替换说法"
    shop: ClassVar[ShopForm | None] = ShopForm(
        order=2,
        severity=Severity.WARNING,
        message="本店要求换一种说法",
        term="词条",
        replacements="required",
        replacements_hint="至少一个，如 请您稍候",
        example="等一下",
    )

    @classmethod
    def shop_fields(cls, term: str, replacements: list[str]) -> dict[str, Any]:
        return {"swap": {term: replacements}}

    def summary(self) -> list[Any]:
        return [f"{term}→{'/'.join(replacements)}" for term, replacements in self.swap.items()]

    @field_validator("swap", mode="before")
    @classmethod
    def _single_replacement(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    def listed_terms(self) -> list[str]:
        return list(self.swap)

    def literals(self) -> list[str]:
        return normalized_terms(list(self.swap))

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        replacements = list(self.swap.values())
        found = []
        for term, start, end in draft.hits.get(index, ()):
            if not draft.is_allowed(index, start, end):
                found.append(self.diagnostic(draft, start, end, replacements[term]))
                if len(found) >= draft.limit:
                    break
        return found
