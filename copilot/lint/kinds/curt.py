"""curt: a whole reply that is only a brush-off particle or word (哦 / 嗯 / 知道了 / 随便 / ？)."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import Field

from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, normalized_terms

_LONGEST = 8  # a reply longer than this says something, whatever it repeats


class CurtRule(Rule):
    kind: Literal["curt"] = "curt"
    label: ClassVar[str] = "敷衍回复"
    severity: Severity = Severity.ERROR
    terms: tuple[str, ...] = Field(min_length=1)

    def summary(self) -> list[Any]:
        return list(self.terms)

    @cached_property
    def forms(self) -> list[str]:
        return [term for term in normalized_terms(self.terms) if term]

    def clause_local(self) -> bool:
        return False  # it reads the whole reply

    def may_scan(self) -> bool:
        return True

    def scans(self, draft: Draft) -> bool:
        return 0 < len(draft.core) <= _LONGEST

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        core = draft.core
        for term in self.forms:
            # 哦哦哦 is as curt as 哦
            if len(core) % len(term) == 0 and core == term * (len(core) // len(term)):
                # the whole reply, punctuation included: its fix is a whole sentence (在。 → 在的呢，…？)
                start = len(draft.text) - len(draft.text.lstrip())
                return [self.diagnostic(draft, start, len(draft.text.rstrip()))]
        return []
