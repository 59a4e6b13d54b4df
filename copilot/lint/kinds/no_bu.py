"""no_bu: a word containing 不, found through jieba tokens so allowed set phrases (不客气) stay quiet."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from copilot.lint.diagnostic import Diagnostic
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule


class NoBuRule(Rule):
    kind: Literal["no_bu"] = "no_bu"
    label: ClassVar[str] = "带“不”的词"
    char: str = "不"
    specificity: ClassVar[int] = 0  # a listed substitute for the same words knows the better fix

    def summary(self) -> list[Any]:
        return [f"含“{self.char}”的词"]

    def scan_trigger(self) -> str | None:
        return self.char

    def may_scan(self) -> bool:
        return True

    def scans(self, draft: Draft) -> bool:
        return self.char in draft.text

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        found = []
        seen_tokens = set()
        text = draft.text
        pos = text.find(self.char)
        while pos >= 0:
            if not (draft.is_allowed(index, pos, pos + 1) or draft.is_claimed(pos, self.severity.weight)):
                _, start, end = draft.token_at(pos)
                if (start, end) not in seen_tokens:
                    seen_tokens.add((start, end))
                    found.append(self.diagnostic(draft, start, end))
                    if len(found) >= draft.limit:
                        break
            pos = text.find(self.char, pos + 1)
        return found
