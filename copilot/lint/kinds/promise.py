"""promise: delivery or arrival guarantees the shop cannot keep (保证今天收到, 明天一定到)."""

from __future__ import annotations

from typing import ClassVar, Literal

from copilot.lint.diagnostic import Severity
from copilot.lint.kinds.patterns import TermsAndPatternsRule


class PromiseRule(TermsAndPatternsRule):
    kind: Literal["promise"] = "promise"
    label: ClassVar[str] = "承诺"
    severity: Severity = Severity.ERROR
