"""forbid: terms that must never be sent (禁语, insults, rude brush-offs)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, normalized_terms


class ForbidRule(Rule):
    kind: Literal["forbid"] = "forbid"
    severity: Severity = Severity.ERROR
    terms: tuple[str, ...] = Field(min_length=1)
    # Only hit whole jieba words: 操 in 操作 or 靠 in 可靠 stay quiet.
    word: bool = False

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
