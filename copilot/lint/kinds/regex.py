"""regex: the escape hatch, one regular expression on the normalised view."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from copilot.lint.kinds.patterns import TermsAndPatternsRule


class RegexRule(TermsAndPatternsRule):
    kind: Literal["regex"] = "regex"
    pattern: str

    @model_validator(mode="after")
    def _pattern_is_the_only_one(self) -> RegexRule:
        if self.terms or self.patterns:
            raise ValueError("regex 规则只用 pattern 一个字段,词条请用 forbid 规则")
        object.__setattr__(self, "patterns", (self.pattern,))
        TermsAndPatternsRule._patterns_compile(self.patterns)
        return self
