"""curt: a whole reply that is only a brush-off particle (哦 / 嗯 / 知道了 / 随便)."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Literal

from pydantic import Field

from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, normalized_terms

_NOT_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]")


class CurtRule(Rule):
    kind: Literal["curt"] = "curt"
    severity: Severity = Severity.ERROR
    terms: tuple[str, ...] = Field(min_length=1)

    @cached_property
    def forms(self) -> list[str]:
        return [term for term in normalized_terms(self.terms) if term]

    def scans(self, draft: Draft) -> bool:
        return True

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        core = _NOT_WORD.sub("", draft.text)
        if not core or len(core) > 8:
            return []
        for term in self.forms:
            # 哦哦哦 is as curt as 哦
            if len(core) % len(term) == 0 and core == term * (len(core) // len(term)):
                words = [m.start() for m in _WORD.finditer(draft.text)]
                return [self.diagnostic(draft, words[0], words[-1] + 1)]
        return []
