"""pronoun: 你 where the customer is due 您, except inside the words of its allow list (迷你)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from copilot.lint.diagnostic import Diagnostic
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule


class PronounRule(Rule):
    kind: Literal["pronoun"] = "pronoun"
    label: ClassVar[str] = "称呼（您）"
    pronoun: str = "你"
    polite: str = "您"
    # 你 is the pronoun everywhere but in a few words (迷你 = mini). jieba cannot tell: its dictionary
    # holds phrases such as 发给你 and 祝你好运, which would hide the pronoun inside a "word".
    allow: tuple[str, ...] = ("迷你",)
    # 你们 is plural and has no polite form that reads naturally (您们 is frowned on); a pack that
    # flags it anyway (plural_ok: false) replaces the whole word with plural_polite.
    plural_ok: bool = True
    plural_polite: str = "您"
    specificity: ClassVar[int] = 1

    def summary(self) -> list[Any]:
        return [f"{self.pronoun}→{self.polite}"]

    def scan_trigger(self) -> str | None:
        return self.pronoun

    def may_scan(self) -> bool:
        return True

    def scans(self, draft: Draft) -> bool:
        return self.pronoun in draft.text

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        found = []
        text = draft.text
        plural = self.pronoun + "们"
        pos = text.find(self.pronoun)
        while pos >= 0:
            end = pos + len(self.pronoun)
            if not (draft.is_allowed(index, pos, end) or draft.is_claimed(pos, self.severity.weight)):
                if not text.startswith(plural, pos):
                    found.append(self.diagnostic(draft, pos, end, self.replacements or (self.polite,)))
                elif not self.plural_ok:
                    end = pos + len(plural)
                    found.append(self.diagnostic(draft, pos, end, (self.plural_polite,)))
                if len(found) >= draft.limit:
                    break
            pos = text.find(self.pronoun, end)
        return found
