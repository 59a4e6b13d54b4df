"""contact: off-platform contact or payment (QQ/微信 ids, other shops' links, 线下打款)."""

from __future__ import annotations

from typing import ClassVar, Literal

from copilot.lint.diagnostic import Severity
from copilot.lint.kinds.patterns import TermsAndPatternsRule


class ContactRule(TermsAndPatternsRule):
    kind: Literal["contact"] = "contact"
    label: ClassVar[str] = "站外联系"
    severity: Severity = Severity.ERROR
