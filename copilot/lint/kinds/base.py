"""What every rule kind shares: the YAML fields, the scope filter and building diagnostics."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.text.normalize import normalize_terms

if TYPE_CHECKING:
    from copilot.lint.draft import Draft

Scope = Literal["all", "presale", "aftersale"]
_SCOPE_ALIASES = {"售前": "presale", "售后": "aftersale", "全部": "all", "售中": "all", None: "all"}


class Rule(BaseModel):
    """A rule as written in a pack; each kind adds its own fields and one check method."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    kind: str
    severity: Severity = Severity.WARNING
    message: str = Field(min_length=1)
    replacements: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    scope: Scope = "all"
    enabled: bool = True

    # Overlapping hits keep the more specific kind: a listed phrase beats a token heuristic.
    specificity: ClassVar[int] = 2

    @field_validator("scope", mode="before")
    @classmethod
    def _scope_alias(cls, value: object) -> object:
        return _SCOPE_ALIASES.get(value, value) if isinstance(value, str | None) else value

    def literals(self) -> list[str]:
        """Normalised terms this rule wants the shared Aho-Corasick automaton to find."""
        return []

    def scans(self, draft: Draft) -> bool:
        """True when check must run even though the automaton found none of this rule's terms."""
        return False

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        """The diagnostics this rule raises on the draft; index is the rule's slot in the linter."""
        raise NotImplementedError

    def diagnostic(
        self, draft: Draft, start: int, end: int, replacements: tuple[str, ...] | None = None
    ) -> Diagnostic:
        """A diagnostic for the view span [start, end), mapped back to raw offsets."""
        raw_start, raw_end = draft.norm.raw_span(start, end)
        return Diagnostic(
            rule=self.id,
            severity=self.severity,
            message=self.message,
            start=raw_start,
            end=raw_end,
            text=draft.norm.raw[raw_start:raw_end],
            replacements=self.replacements if replacements is None else replacements,
            specificity=self.specificity,
        )


def normalized_terms(terms: tuple[str, ...] | list[str]) -> list[str]:
    return normalize_terms(list(terms))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a rule's regular expression, with the reason in Chinese when it is invalid."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"正则表达式无效 {pattern!r}: {exc}") from None
