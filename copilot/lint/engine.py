"""The linter: one Aho-Corasick automaton over every rule's terms, then each kind's check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick_rs

from copilot.lint.diagnostic import LintResult
from copilot.lint.draft import Draft
from copilot.lint.kinds import Rule
from copilot.lint.kinds.allow import AllowRule
from copilot.lint.resolve import apply_fixes, resolve_overlaps, verdict
from copilot.text.normalize import normalize, normalize_term

SHOP_ALLOW = -1  # owner slot for allow-list terms that silence every rule
_ALLOW_TERM = -1  # term slot marking an allow-list term of one rule


class Linter:
    """Lints drafts against a fixed set of rules; build a new one to change the rules."""

    def __init__(self, rules: Sequence[Rule], allow: Iterable[str] = ()) -> None:
        enabled = [rule for rule in rules if rule.enabled]
        self.rules: tuple[Rule, ...] = tuple(rule for rule in enabled if not isinstance(rule, AllowRule))
        allow = [*allow, *(term for rule in enabled if isinstance(rule, AllowRule) for term in rule.terms)]
        pattern_ids: dict[str, int] = {}
        # pattern id -> [(rule slot, term slot)]; the automaton reports each distinct term once
        self._owners: list[list[tuple[int, int]]] = []

        def own(term: str, slot: int, term_slot: int) -> None:
            if not term:
                return
            pid = pattern_ids.setdefault(term, len(pattern_ids))
            if pid == len(self._owners):
                self._owners.append([])
            self._owners[pid].append((slot, term_slot))

        for slot, rule in enumerate(self.rules):
            for term_slot, term in enumerate(rule.literals()):
                own(term, slot, term_slot)
            for term in rule.allow:
                own(normalize_term(term), slot, _ALLOW_TERM)
        for term in allow:
            own(normalize_term(term), SHOP_ALLOW, _ALLOW_TERM)

        self._automaton = (
            ahocorasick_rs.AhoCorasick(list(pattern_ids), matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
            if pattern_ids
            else None
        )
        # Most specific kinds first, so token-based kinds can skip what a listed phrase already flagged.
        order = sorted(range(len(self.rules)), key=lambda slot: -self.rules[slot].specificity)
        self._by_scope: dict[str | None, list[int]] = {
            scope: [slot for slot in order if self.rules[slot].scope in ("all", scope)]
            for scope in ("presale", "aftersale")
        }
        self._by_scope[None] = order

    def lint(self, text: str, scope: str | None = None) -> LintResult:
        """Lint raw text for a scope (presale, aftersale, or None for every rule)."""
        draft = Draft(normalize(text))
        if self._automaton is not None and draft.text:
            owners = self._owners
            for pid, start, end in self._automaton.find_matches_as_indexes(draft.text, overlapping=True):
                for slot, term_slot in owners[pid]:
                    if term_slot == _ALLOW_TERM:
                        draft.allowed[slot].append((start, end))
                    else:
                        draft.hits[slot].append((term_slot, start, end))
        found = []
        for slot in self._by_scope[scope]:
            rule = self.rules[slot]
            if slot in draft.hits or rule.scans(draft):
                for diagnostic in rule.check(draft, slot):
                    found.append(diagnostic)
                    draft.claimed.append((diagnostic.start, diagnostic.end, diagnostic.severity.weight))
        diagnostics = resolve_overlaps(found)
        return LintResult(
            verdict=verdict(diagnostics),
            diagnostics=tuple(diagnostics),
            fixed=apply_fixes(text, diagnostics),
        )
