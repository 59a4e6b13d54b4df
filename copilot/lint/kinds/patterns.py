"""Rules that hit listed terms (through the automaton) and regular expressions on the normalised view."""

from __future__ import annotations

from functools import cached_property
from itertools import islice
from typing import Any

from pydantic import field_validator

from copilot.lint.diagnostic import Diagnostic
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule, normalized_terms
from copilot.lint.linear_regex import LinearPattern, LinearPatternError


class TermsAndPatternsRule(Rule):
    """Shared by promise, contact and regex: literal terms plus regular expressions.

    A regular expression scans the whole draft; `requires` lists words one of which every match holds
    (a digit for a phone number), so the patterns run only on drafts the shared automaton found one in.
    Patterns run on RE2 (copilot.lint.linear_regex): time linear in the draft, whatever the pattern.
    """

    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            compile_linear(pattern)
        return value

    @cached_property
    def compiled(self) -> list[LinearPattern]:
        return [compile_linear(p) for p in self.patterns]

    def listed_terms(self) -> list[str]:
        return list(self.terms)

    def summary(self) -> list[Any]:
        return [*self.terms, *self.patterns]

    def literals(self) -> list[str]:
        # term slots past the terms are the required words: hits that only say "run the patterns"
        return normalized_terms(self.terms) + normalized_terms(self.requires)

    def clause_local(self) -> bool:
        return not self.patterns and super().clause_local()  # a regular expression may cross a comma

    def may_scan(self) -> bool:
        return bool(self.patterns) and not self.requires

    def scans(self, draft: Draft) -> bool:
        return bool(self.patterns) and not self.requires

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        listed = len(self.terms)
        hits = draft.hits.get(index, ())
        spans = [(start, end) for slot, start, end in hits if slot < listed]
        if not self.requires or any(slot >= listed for slot, _, _ in hits):
            for pattern in self.compiled:
                # no more matches than the draft lists (a pattern hitting every character of 8,000)
                spans.extend(islice(pattern.spans(draft.text), draft.limit))
        found = []
        for start, end in sorted(set(spans)):
            if not draft.is_allowed(index, start, end):
                found.append(self.diagnostic(draft, start, end))
                if len(found) >= draft.limit:
                    break
        return found


def compile_linear(pattern: str) -> LinearPattern:
    """A rule's regular expression on RE2, with the reason in Chinese when it cannot be one."""
    try:
        return LinearPattern(pattern)
    except LinearPatternError as exc:
        raise ValueError(str(exc)) from None
