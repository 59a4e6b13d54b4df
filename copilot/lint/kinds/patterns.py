"""Rules that hit listed terms (through the automaton) and regular expressions on the normalised view."""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import field_validator

from copilot.lint.diagnostic import Diagnostic
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, compile_pattern, normalized_terms


class TermsAndPatternsRule(Rule):
    """Shared by promise, contact and regex: literal terms plus regular expressions."""

    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            compile_pattern(pattern)
        return value

    @cached_property
    def compiled(self) -> list[re.Pattern[str]]:
        return [compile_pattern(p) for p in self.patterns]

    def literals(self) -> list[str]:
        return normalized_terms(self.terms)

    def scans(self, draft: Draft) -> bool:
        return bool(self.patterns)

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        spans = [(start, end) for _, start, end in draft.hits.get(index, ())]
        for pattern in self.compiled:
            spans.extend(m.span() for m in pattern.finditer(draft.text) if m.end() > m.start())
        return [
            self.diagnostic(draft, start, end)
            for start, end in sorted(set(spans))
            if not draft.is_allowed(index, start, end)
        ]
