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
        return _WEIGHTS[self.value]

    @property
    def label(self) -> str:
        """The severity as agents and leads read it."""
        return SEVERITY_ZH[self.value]


_WEIGHTS = {"error": 2, "warning": 1, "info": 0}  # built once: weight is asked for every diagnostic
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
# A draft's verdict (LintResult.verdict) as agents read it: whether it may go out as it is.
VERDICT_ZH: dict[str, str] = {"ok": "可发送", "warn": "建议修改", "block": "禁止发送"}


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
    category: str = "custom"  # a key of copilot.lint.categories.CATEGORIES
    intent: str | None = None  # the intent whose phrases answer this better (a promise → ship_time)
    # How specific the rule kind is; overlapping hits keep the more specific one. Not part of the API.
    specificity: int = field(default=2, compare=False)

    def moved(self, start: int, end: int, text: str) -> Diagnostic:
        """The same diagnostic at another span (a sentence's offsets placed in the whole draft)."""
        return Diagnostic(
            self.rule,
            self.severity,
            self.message,
            start,
            end,
            text,
            self.replacements,
            self.category,
            self.intent,
            self.specificity,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "replacements": list(self.replacements),
            "category": self.category,
            **({"intent": self.intent} if self.intent else {}),
        }


@dataclass(frozen=True, slots=True)
class LintResult:
    """What /v1/lint answers: the verdict, the diagnostics in text order, the text with every fix applied
    and the verdict of that fixed text itself (what a surface shows after 修正全部)."""

    verdict: str  # ok | warn | block
    diagnostics: tuple[Diagnostic, ...]
    fixed: str
    fixed_verdict: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "diagnostics": [d.as_dict() for d in self.diagnostics],
            "fixed": self.fixed,
            "fixed_verdict": self.fixed_verdict,
        }
