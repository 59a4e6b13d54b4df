"""pronoun: 你 where the customer is due 您; jieba tokens keep 迷你 and (optionally) 你们 quiet."""

from __future__ import annotations

from typing import ClassVar, Literal

from copilot.lint.diagnostic import Diagnostic
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule


class PronounRule(Rule):
    kind: Literal["pronoun"] = "pronoun"
    pronoun: str = "你"
    polite: str = "您"
    # 你们 is plural and has no polite form that reads naturally (您们 is frowned on).
    plural_ok: bool = True
    specificity: ClassVar[int] = 1

    def scans(self, draft: Draft) -> bool:
        return self.pronoun in draft.text

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        found = []
        text = draft.text
        pos = text.find(self.pronoun)
        while pos >= 0:
            end = pos + len(self.pronoun)
            if draft.is_allowed(index, pos, end) or draft.is_claimed(pos, self.severity.weight):
                pos = text.find(self.pronoun, end)
                continue
            word, start, _ = draft.token_at(pos)
            inside_word = start != pos  # 迷你: the character is not the pronoun here
            plural = word.startswith(self.pronoun + "们")
            if not (inside_word or (plural and self.plural_ok)):
                found.append(self.diagnostic(draft, pos, end, self.replacements or (self.polite,)))
            pos = text.find(self.pronoun, end)
        return found
