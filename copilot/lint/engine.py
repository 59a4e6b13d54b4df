"""The linter: one Aho-Corasick automaton over every rule's terms, then each kind's check."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

import ahocorasick_rs

from copilot.lint.diagnostic import Diagnostic, LintResult, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds import Rule
from copilot.lint.kinds.allow import AllowRule
from copilot.lint.resolve import apply_fixes, resolve_overlaps, verdict
from copilot.text.normalize import NormalizedText, normalize, normalize_term

SHOP_ALLOW = -1  # owner slot for allow-list terms that silence every rule
_ALLOW_TERM = -1  # term slot marking an allow-list term of one rule
# What clause-local rules are checked on and remembered by: a sentence (their clauses never cross
# its end). Sentence ends in the normalised view, where NFKC has made ！？； half-width.
_SENTENCE = re.compile(r"[^。!?;\n]+")
_SENTENCE_CACHE = 16384  # sentences remembered per linter (a few MB)


class RuleSet:
    """Rules matched together: one Aho-Corasick automaton over their terms, then each kind's check."""

    def __init__(self, rules: Sequence[Rule], allow: Iterable[str]) -> None:
        self.rules = tuple(rules)
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
        if self.rules:
            for term in allow:
                own(normalize_term(term), SHOP_ALLOW, _ALLOW_TERM)

        self._automaton = (
            ahocorasick_rs.AhoCorasick(list(pattern_ids), matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
            if pattern_ids
            else None
        )
        # Rules that may fire without a hit of their own in the automaton.
        self._scanners = frozenset(slot for slot, rule in enumerate(self.rules) if rule.may_scan())
        # Most specific kinds first, so token-based kinds can skip what a listed phrase already flagged.
        order = sorted(range(len(self.rules)), key=lambda slot: -self.rules[slot].specificity)
        self._rank = {slot: rank for rank, slot in enumerate(order)}
        self._in_scope: dict[str | None, frozenset[int]] = {
            scope: frozenset(slot for slot in order if self.rules[slot].scope in ("all", scope))
            for scope in ("presale", "aftersale")
        }
        self._in_scope[None] = frozenset(order)
        self._scanning = {scope: slots & self._scanners for scope, slots in self._in_scope.items()}
        self._triggers = {self.rules[slot].scan_trigger() for slot in self._scanners}

    def find(self, draft: Draft) -> None:
        """Record the automaton's hits (rule terms and allow terms) on the draft."""
        if self._automaton is None or not draft.text:
            return
        owners = self._owners
        for pid, start, end in self._automaton.find_matches_as_indexes(draft.text, overlapping=True):
            for slot, term_slot in owners[pid]:
                if term_slot == _ALLOW_TERM:
                    draft.allowed[slot].append((start, end))
                else:
                    draft.hits[slot].append((term_slot, start, end))

    def triggered(self, text: str) -> bool:
        """True when a rule that looks without a hit of its own may fire on text (不 or 你 is in it)."""
        return any(trigger is None or trigger in text for trigger in self._triggers)

    def check(self, draft: Draft, scope: str | None) -> list[Diagnostic]:
        """Every diagnostic these rules raise on a draft whose hits are found (overlaps not yet resolved)."""
        found = []
        rules, hits = self.rules, draft.hits
        # only rules with a hit, and those that look without one, in order of specificity
        candidates = (self._in_scope[scope] & hits.keys()) | self._scanning[scope]
        for slot in sorted(candidates, key=self._rank.__getitem__):
            rule = rules[slot]
            if slot in hits or rule.scans(draft):
                for diagnostic in rule.check(draft, slot):
                    found.append(diagnostic)
                    draft.claimed.append((diagnostic.start, diagnostic.end, diagnostic.severity.weight))
        return found


class Linter:
    """Lints drafts against a fixed set of rules; build a new one to change the rules.

    Nearly every rule looks at one clause at a time, so a clause's diagnostics are remembered by its
    text: while an agent types, and when the fixed text is linted again, only the clauses that changed
    are checked. The few rules that read the whole draft (a curt reply, a veto anywhere in the draft,
    a regular expression that may cross a comma) run on every draft.
    """

    def __init__(self, rules: Sequence[Rule], allow: Iterable[str] = ()) -> None:
        enabled = [rule for rule in rules if rule.enabled]
        self.rules: tuple[Rule, ...] = tuple(rule for rule in enabled if not isinstance(rule, AllowRule))
        allow = [*allow, *(term for rule in enabled if isinstance(rule, AllowRule) for term in rule.terms)]
        self._local = RuleSet([rule for rule in self.rules if rule.clause_local()], allow)
        self._whole = RuleSet([rule for rule in self.rules if not rule.clause_local()], allow)
        # (sentence, scope) -> its diagnostics, offsets within the sentence; dropped whole when full
        self._sentences: dict[tuple[str, str | None], tuple[Diagnostic, ...]] = {}

    def clear_cache(self) -> None:
        """Forget remembered sentences (for cold-cache benchmarks)."""
        self._sentences.clear()

    def lint(self, text: str, scope: str | None = None) -> LintResult:
        """Lint raw text for a scope (presale, aftersale, or None for every rule)."""
        diagnostics = self.diagnose(text, scope)
        fixed, fixed_diagnostics = self._fix(text, diagnostics, scope)
        return LintResult(
            verdict=verdict(diagnostics),
            diagnostics=tuple(diagnostics),
            fixed=fixed,
            fixed_verdict=verdict(fixed_diagnostics),
        )

    def diagnose(self, text: str, scope: str | None = None) -> list[Diagnostic]:
        """The diagnostics of raw text, overlaps resolved, in text order."""
        norm = normalize(text)
        found = self._sentence_diagnostics(norm, scope)
        if self._whole.rules:
            draft = Draft(norm)
            self._whole.find(draft)
            found.extend(self._whole.check(draft, scope))
        return resolve_overlaps(found)

    def _sentence_diagnostics(self, norm: NormalizedText, scope: str | None) -> list[Diagnostic]:
        """What the clause-local rules find, sentence by sentence; a sentence seen before is not checked again."""
        whole = Draft(norm)
        self._local.find(whole)
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(norm.text)]
        starts = [start for start, _ in sentences]
        hits: list[dict[int, list[tuple[int, int, int]]]] = [{} for _ in sentences]
        allowed: list[dict[int, list[tuple[int, int]]]] = [{} for _ in sentences]
        for slot, slot_hits in whole.hits.items():
            for term_slot, start, end in slot_hits:
                hits[bisect_right(starts, start) - 1].setdefault(slot, []).append((term_slot, start, end))
        for slot, spans in whole.allowed.items():
            for start, end in spans:
                allowed[bisect_right(starts, start) - 1].setdefault(slot, []).append((start, end))
        cache = self._sentences
        found: list[Diagnostic] = []
        for number, (offset, end) in enumerate(sentences):
            sentence = norm.text[offset:end]
            local = cache.get((sentence, scope))
            if local is None:
                local = self._check_sentence(sentence, offset, hits[number], allowed[number], scope)
                if len(cache) >= _SENTENCE_CACHE:
                    cache.clear()
                cache[(sentence, scope)] = local
            for diagnostic in local:
                raw_start, raw_end = norm.raw_span(offset + diagnostic.start, offset + diagnostic.end)
                found.append(diagnostic.moved(raw_start, raw_end, norm.raw[raw_start:raw_end]))
        return found

    def _check_sentence(
        self,
        sentence: str,
        offset: int,
        hits: dict[int, list[tuple[int, int, int]]],
        allowed: dict[int, list[tuple[int, int]]],
        scope: str | None,
    ) -> tuple[Diagnostic, ...]:
        if not hits and not self._local.triggered(sentence):
            return ()
        draft = Draft(NormalizedText(raw=sentence, text=sentence, index=None))
        for slot, slot_hits in hits.items():
            draft.hits[slot] = [(term_slot, start - offset, end - offset) for term_slot, start, end in slot_hits]
        for slot, spans in allowed.items():
            draft.allowed[slot] = [(start - offset, end - offset) for start, end in spans]
        return tuple(self._local.check(draft, scope))

    def _fix(self, text: str, diagnostics: list[Diagnostic], scope: str | None) -> tuple[str, list[Diagnostic]]:
        """The text with the fixes applied, and its own diagnostics.

        The result never lints worse than the draft, and fixing it again changes nothing: a fix whose
        text would make things worse is left out, and a problem the fixed text still shows that
        another fix knows is fixed in a further round.
        """
        fixed, current = text, diagnostics
        for _ in range(_FIX_ROUNDS):
            if not any(d.replacements for d in current):
                break
            candidate = apply_fixes(fixed, current)
            again = self.diagnose(candidate, scope)
            if _badness(again) > _badness(diagnostics):
                if fixed is text:
                    return self._fix_one_by_one(text, diagnostics, scope)
                break
            fixed, current = candidate, again
        return fixed, current

    def _fix_one_by_one(
        self, text: str, diagnostics: list[Diagnostic], scope: str | None
    ) -> tuple[str, list[Diagnostic]]:
        """Keep each fix only if, with the ones kept before it, the text lints no worse (rare; bounded)."""
        kept: list[Diagnostic] = []
        fixed, current = text, diagnostics
        for diagnostic in [d for d in diagnostics if d.replacements][:_ONE_BY_ONE]:
            candidate = apply_fixes(text, [*kept, diagnostic])
            again = self.diagnose(candidate, scope)
            if _badness(again) <= _badness(diagnostics):
                kept.append(diagnostic)
                fixed, current = candidate, again
        return fixed, current


_FIX_ROUNDS = 3
_ONE_BY_ONE = 16  # fixes tried one at a time when applying them all together made things worse


def _badness(diagnostics: list[Diagnostic]) -> tuple[int, int, int]:
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    return (2 if errors else 1 if warnings else 0, errors, warnings)
