"""The one Diagnostic type that every interface (CLI, HTTP, LanguageTool, WebSocket, stats) converts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # blocks sending
    WARNING = "warning"  # should be fixed
    INFO = "info"  # a hint

    @property
    def weight(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a draft: which rule, how bad, why, where (raw code points) and how to fix it."""

    rule: str
    severity: Severity
    message: str
    start: int
    end: int
    text: str
    replacements: tuple[str, ...] = ()
    # How specific the rule kind is; overlapping hits keep the more specific one. Not part of the API.
    specificity: int = field(default=2, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "replacements": list(self.replacements),
        }


@dataclass(frozen=True, slots=True)
class LintResult:
    """What /v1/lint answers: the verdict, the diagnostics in text order, and the text with every fix applied."""

    verdict: str  # ok | warn | block
    diagnostics: tuple[Diagnostic, ...]
    fixed: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "diagnostics": [d.as_dict() for d in self.diagnostics],
            "fixed": self.fixed,
        }
