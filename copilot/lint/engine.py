"""The linter: one Aho-Corasick automaton over every rule's terms, then each kind's check."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick_rs

from copilot.lint.diagnostic import Diagnostic, LintResult, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds import Rule
from copilot.lint.kinds.allow import AllowRule
from copilot.lint.resolve import apply_fixes, resolve_overlaps
from copilot.text.normalize import NormalizedText, normalize, normalize_term

SHOP_ALLOW = -1  # owner slot for allow-list terms that silence every rule
_ALLOW_TERM = -1  # term slot marking an allow-list term of one rule
# What clause-local rules are checked on and remembered by: a sentence (their clauses never cross
# its end). Sentence ends in the normalised view, where NFKC has made ！？； half-width.
_SENTENCE = re.compile(r"[^。!?;\n]+")
_SENTENCE_CACHE = 16384  # sentences remembered per linter (a few MB)
MAX_DIAGNOSTICS = 60  # diagnostics listed per draft unless the linter is told otherwise
MORE_RULE = "lint.more"  # the rule id of the diagnostic that stands for those not listed
_SEVERITY_OF = {severity.weight: severity for severity in Severity}


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
                raised = rule.check(draft, slot)
                if len(raised) >= draft.limit:  # the rule stopped looking: it may have more
                    draft.cut = max(draft.cut, rule.severity.weight)
                for diagnostic in raised:
                    found.append(diagnostic)
                    draft.claimed.append((diagnostic.start, diagnostic.end, diagnostic.severity.weight))
        return found


@dataclass(slots=True)
class Findings:
    """What linting one text found: the diagnostics collected (overlaps resolved, in text order) and
    what is known of those not collected, so that the verdict still counts every problem."""

    diagnostics: list[Diagnostic]
    worst: int = -1  # the heaviest severity weight among all problems (-1: none)
    uncollected: int = 0  # problems counted but not collected (sentences past the budget)
    cut: int = -1  # heaviest severity of a rule that stopped looking before the end (-1: none did)

    @property
    def verdict(self) -> str:
        return {2: "block", 1: "warn"}.get(self.worst, "ok")

    def listed(self, limit: int, raw: str) -> tuple[Diagnostic, ...]:
        """The first limit diagnostics, and past them one that says how many more there are."""
        shown = self.diagnostics[:limit]
        rest = self.diagnostics[limit:]
        if not rest and not self.uncollected and self.cut < 0:
            return tuple(shown)
        more = len(rest) + self.uncollected
        weight = max([self.cut, *(d.severity.weight for d in rest)])
        if self.uncollected or self.cut >= 0:
            weight = max(weight, self.worst)  # what was not looked at may be as bad as the worst seen
        if self.cut >= 0 and not more:
            what = "还有更多问题未列出"
        elif self.cut >= 0 or self.uncollected:
            what = f"还有至少 {more} 处问题未列出"
        else:
            what = f"还有 {more} 处问题未列出"
        # it points at the first problem left out, else at the last one listed (never an empty span:
        # LanguageTool clients place a match by its text)
        anchor = rest[0] if rest else shown[-1] if shown else None
        start, end, category = (anchor.start, anchor.end, anchor.category) if anchor else (0, 0, "custom")
        summary = Diagnostic(
            rule=MORE_RULE,
            severity=_SEVERITY_OF[max(weight, 0)],
            message=f"{what}（每份草稿最多列出 {limit} 处），请先改好已列出的，再检查一遍。",
            start=start,
            end=end,
            text=raw[start:end],
            category=category,
        )
        return (*shown, summary)


class Linter:
    """Lints drafts against a fixed set of rules; build a new one to change the rules.

    Nearly every rule looks at one clause at a time, so a clause's diagnostics are remembered by its
    text: while an agent types, and when the fixed text is linted again, only the clauses that changed
    are checked. The few rules that read the whole draft (a curt reply, a veto anywhere in the draft,
    a regular expression that may cross a comma) run on every draft.
    """

    def __init__(
        self, rules: Sequence[Rule], allow: Iterable[str] = (), max_diagnostics: int = MAX_DIAGNOSTICS
    ) -> None:
        # Past max_diagnostics, one diagnostic says how many more there are: an answer stays small, and
        # each rule stops looking a little past it, so lint time stays flat on 8,000 repeats of 不.
        self.max_diagnostics = max_diagnostics
        enabled = [rule for rule in rules if rule.enabled]
        self.rules: tuple[Rule, ...] = tuple(rule for rule in enabled if not isinstance(rule, AllowRule))
        allow = [*allow, *(term for rule in enabled if isinstance(rule, AllowRule) for term in rule.terms)]
        self._local = RuleSet([rule for rule in self.rules if rule.clause_local()], allow)
        self._whole = RuleSet([rule for rule in self.rules if not rule.clause_local()], allow)
        # (sentence, scope) -> its diagnostics, offsets within the sentence; dropped whole when full
        self._sentences: dict[tuple[str, str | None], tuple[Diagnostic, ...]] = {}
        # (sentence, scope) -> heaviest severity of a rule that stopped looking in it; only such sentences
        self._cut: dict[tuple[str, str | None], int] = {}

    def clear_cache(self) -> None:
        """Forget remembered sentences (for cold-cache benchmarks)."""
        self._sentences.clear()
        self._cut.clear()

    def lint(self, text: str, scope: str | None = None) -> LintResult:
        """Lint raw text for a scope (presale, aftersale, or None for every rule)."""
        findings = self.examine(text, scope)
        fixed, fixed_findings = self._fix(text, findings, scope)
        return LintResult(
            verdict=findings.verdict,
            diagnostics=findings.listed(self.max_diagnostics, text),
            fixed=fixed,
            fixed_verdict=fixed_findings.verdict,
        )

    def diagnose(self, text: str, scope: str | None = None) -> list[Diagnostic]:
        """The diagnostics of raw text, overlaps resolved, in text order (a few past the cap at most)."""
        return self.examine(text, scope).diagnostics

    def examine(self, text: str, scope: str | None = None) -> Findings:
        """What raw text shows: its diagnostics, overlaps resolved, and the worst of every problem."""
        norm = normalize(text)
        findings = Findings([])
        # A rule stops two past the cap: one more than the cap is still counted exactly, and a rule that
        # reaches the limit may have more (the summary then says "at least").
        limit = self.max_diagnostics + 2
        found = self._sentence_diagnostics(norm, scope, findings, limit)
        if self._whole.rules:
            draft = Draft(norm, limit=limit)
            self._whole.find(draft)
            found.extend(self._whole.check(draft, scope))
            findings.cut = max(findings.cut, draft.cut)
        findings.diagnostics = resolve_overlaps(found)
        # overlaps only ever drop the milder of two problems, so the worst of them all is the worst kept
        for severity in {d.severity for d in found}:
            findings.worst = max(findings.worst, severity.weight)
        return findings

    def _sentence_diagnostics(
        self, norm: NormalizedText, scope: str | None, findings: Findings, limit: int
    ) -> list[Diagnostic]:
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
        # Past a few times the cap, a sentence's diagnostics are only counted and weighed, not placed
        # in the draft: 4,000 sentences of 你。 cost a lookup each, not a diagnostic each.
        budget = 4 * limit
        for number, (offset, end) in enumerate(sentences):
            sentence = norm.text[offset:end]
            local = cache.get((sentence, scope))
            if local is None:
                local, cut = self._check_sentence(sentence, offset, hits[number], allowed[number], scope, limit)
                if len(cache) >= _SENTENCE_CACHE:
                    cache.clear()
                    self._cut.clear()
                cache[(sentence, scope)] = local
                if cut >= 0:
                    self._cut[(sentence, scope)] = cut
            findings.cut = max(findings.cut, self._cut.get((sentence, scope), -1))
            if len(found) >= budget:
                findings.uncollected += len(local)
                findings.worst = max([findings.worst, *(d.severity.weight for d in local)])
                continue
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
        limit: int,
    ) -> tuple[tuple[Diagnostic, ...], int]:
        """The sentence's diagnostics, and the heaviest severity of a rule that stopped looking (or -1)."""
        if not hits and not self._local.triggered(sentence):
            return (), -1
        draft = Draft(NormalizedText(raw=sentence, text=sentence, index=None), limit=limit)
        for slot, slot_hits in hits.items():
            draft.hits[slot] = [(term_slot, start - offset, end - offset) for term_slot, start, end in slot_hits]
        for slot, spans in allowed.items():
            draft.allowed[slot] = [(start - offset, end - offset) for start, end in spans]
        return tuple(self._local.check(draft, scope)), draft.cut

    def _fix(self, text: str, findings: Findings, scope: str | None) -> tuple[str, Findings]:
        """The text with the fixes applied, and what the fixed text itself shows.

        The result never lints worse than the draft, and fixing it again changes nothing: a fix whose
        text would make things worse is left out, and a problem the fixed text still shows that
        another fix knows is fixed in a further round. Past the cap, the fixes found are applied in one
        round (each further round would only find the next few dozen of thousands).
        """
        fixed, current = text, findings
        capped = findings.cut >= 0 or findings.uncollected > 0 or len(findings.diagnostics) > self.max_diagnostics
        for _ in range(1 if capped else _FIX_ROUNDS):
            if not any(d.replacements for d in current.diagnostics):
                break
            candidate = apply_fixes(fixed, current.diagnostics)
            again = self.examine(candidate, scope)
            if _badness(again) > _badness(findings):
                if fixed is text:
                    return self._fix_one_by_one(text, findings, scope)
                break
            fixed, current = candidate, again
        return fixed, current

    def _fix_one_by_one(self, text: str, findings: Findings, scope: str | None) -> tuple[str, Findings]:
        """Keep each fix only if, with the ones kept before it, the text lints no worse (rare; bounded)."""
        kept: list[Diagnostic] = []
        fixed, current = text, findings
        for diagnostic in [d for d in findings.diagnostics if d.replacements][:_ONE_BY_ONE]:
            candidate = apply_fixes(text, [*kept, diagnostic])
            again = self.examine(candidate, scope)
            if _badness(again) <= _badness(findings):
                kept.append(diagnostic)
                fixed, current = candidate, again
        return fixed, current


_FIX_ROUNDS = 3
_ONE_BY_ONE = 16  # fixes tried one at a time when applying them all together made things worse


def _badness(findings: Findings) -> tuple[int, int, int]:
    errors = sum(d.severity is Severity.ERROR for d in findings.diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in findings.diagnostics)
    return (max(findings.worst, 0), errors, warnings)
