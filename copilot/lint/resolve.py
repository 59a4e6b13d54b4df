"""Turn raw hits into the answer: overlaps resolved, fixes applied, a verdict given."""

from __future__ import annotations

from collections.abc import Iterable

from copilot.lint.diagnostic import Diagnostic, Severity


def resolve_overlaps(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Keep, of every set of overlapping hits, the most severe and then most specific one, in text order."""
    ranked = sorted(
        diagnostics,
        key=lambda d: (-d.severity.weight, -d.specificity, -(d.end - d.start), d.start, d.rule),
    )
    kept: list[Diagnostic] = []
    for candidate in ranked:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda d: (d.start, d.end))


def apply_fixes(raw: str, diagnostics: list[Diagnostic]) -> str:
    """Raw text with every (non-overlapping, text-ordered) diagnostic's first replacement applied."""
    pieces: list[str] = []
    pos = 0
    for diagnostic in diagnostics:
        if diagnostic.replacements:
            pieces.append(raw[pos : diagnostic.start])
            pieces.append(diagnostic.replacements[0])
            pos = diagnostic.end
    pieces.append(raw[pos:])
    return "".join(pieces)


def verdict(diagnostics: list[Diagnostic]) -> str:
    """block on any error, warn on any warning, else ok (info never changes the verdict)."""
    severities = {d.severity for d in diagnostics}
    if Severity.ERROR in severities:
        return "block"
    if Severity.WARNING in severities:
        return "warn"
    return "ok"
