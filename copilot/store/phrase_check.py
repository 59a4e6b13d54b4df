"""Whether a phrase is fit to offer agents: its body as the sidebar shows it, linted with the rules in force."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from copilot.lint import Linter, Severity
from copilot.suggest.render import render

# body -> its error-level problems (empty when it may be offered as it is)
BodyCheck = Callable[[str], list[dict[str, Any]]]


def body_check(linter: Linter, defaults: Mapping[str, str]) -> BodyCheck:
    """A check that renders a body with the template defaults ({agent_no} → 客服01号 …), as a sidebar
    would show it, and lints it for every scope, as a sidebar lints a draft."""
    fill = dict(defaults)

    def problems(body: str) -> list[dict[str, Any]]:
        text = render(body, fill)
        findings = linter.examine(text)
        if findings.verdict != "block":
            return []
        return [
            {
                "text": d.text,
                "message": d.message,
                "start": d.start,
                "end": d.end,
                "category": d.category,
                "rule": d.rule,
                "replacements": list(d.replacements),
            }
            for d in findings.listed(linter.max_diagnostics, text)
            if d.severity is Severity.ERROR
        ]

    return problems


def is_blocked(linter: Linter, defaults: Mapping[str, str], body: str) -> bool:
    """True when the rendered body has an error-level problem (what a suggestion's `blocked` says)."""
    return linter.examine(render(body, defaults)).verdict == "block"
