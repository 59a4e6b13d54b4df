"""Lint: rule kinds, rule-pack loading, matching, diagnostics and autofix."""

from copilot.lint.diagnostic import Diagnostic, LintResult, Severity
from copilot.lint.engine import Linter
from copilot.lint.loader import RulePackError, load_rules

__all__ = ["Diagnostic", "LintResult", "Linter", "RulePackError", "Severity", "load_rules"]
