"""clause: structures over words and word classes (那是{party}的事, 爱<v>不<v>, 到底…<v>不<v>), each with its own fix.

Where a listed term cannot tell a rude reply from an innocent one, the structure can: 找快递去 pushes
the customer away, 我帮您联系快递 does not. Patterns are written in the language of
copilot.lint.clause_pattern; a pattern's fix may reuse what its word classes matched
({day} → 预计{day}送达), or be null: no text reads naturally in its place, and the message says what to do.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from copilot.lint.clause_pattern import PARTICLES, CompiledPattern, PatternError, WordClass, compile_pattern
from copilot.lint.diagnostic import Diagnostic, Severity
from copilot.lint.draft import Draft
from copilot.lint.kinds.base import Rule

_UNSET = object()


class ClauseEntry(BaseModel):
    """One pattern with the fix for what it matches (null: no automatic text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: str = Field(min_length=1)
    fix: str | None = None


class _Compiled:
    __slots__ = ("pattern", "fix", "template")

    def __init__(self, pattern: CompiledPattern, fix: str | None | object) -> None:
        self.pattern = pattern
        self.fix = fix  # a template, None (no fix), or _UNSET (the rule's replacements)
        # the template as (literal text, None) and ("", regex group) parts, parsed once
        self.template: list[tuple[str, str | None]] = []
        if isinstance(fix, str):
            groups = {name: group for group, name in pattern.captures.items()}
            groups.update({g[2:].replace("_", "-"): g for g in pattern.regex.groupindex if g.startswith("s_")})
            for literal, name, _, _ in string.Formatter().parse(fix):
                if literal:
                    self.template.append((literal, None))
                if name is not None:
                    self.template.append(("", groups[name]))


class _Plan:
    """A clause rule compiled: its patterns, vetoes, anchor words and which pattern owns each anchor."""

    __slots__ = ("compiled", "unless", "anchors", "anchor_owner", "forms")

    def __init__(self) -> None:
        self.compiled: list[_Compiled] = []
        self.unless: list[re.Pattern[str]] = []
        self.anchors: list[str] = []
        self.anchor_owner: list[int] = []
        self.forms: dict[str, Mapping[str, str]] = {}


class ClauseRule(Rule):
    kind: Literal["clause"] = "clause"
    label: ClassVar[str] = "句式"
    severity: Severity = Severity.ERROR
    patterns: tuple[str | ClauseEntry, ...] = Field(min_length=1)
    # Patterns that, found in the same clause as a hit (or anywhere in the draft, with
    # unless_in: draft), show an innocent reading (我帮您联系快递).
    unless: tuple[str, ...] = ()
    unless_in: Literal["clause", "draft"] = "clause"
    gap: int = Field(default=6, ge=1, le=12)  # what … may skip, in characters
    specificity: ClassVar[int] = 3  # a structure is more specific than any one word in it

    # Built once at validation and kept in the instance's own __dict__: a pydantic private attribute
    # costs a __getattr__ round trip on every read, and check() runs on every keystroke.
    plan: ClassVar[_Plan]

    @model_validator(mode="after")
    def _compile(self, info: ValidationInfo) -> ClauseRule:
        classes: Mapping[str, WordClass] = (info.context or {}).get("classes", {})
        plan = _Plan()
        for position, entry in enumerate(self.patterns):
            source, fix = (entry, _UNSET) if isinstance(entry, str) else (entry.match, entry.fix)
            try:
                compiled = compile_pattern(source, classes, self.gap)
            except PatternError as exc:
                raise ValueError(f"patterns[{position}] {source!r}: {exc}") from None
            if isinstance(fix, str):
                _check_template(fix, compiled, position)
            plan.compiled.append(_Compiled(compiled, fix))
            for anchor in compiled.anchors:
                plan.anchors.append(anchor)
                plan.anchor_owner.append(position)
            for word in compiled.also:
                plan.anchors.append(word)
                plan.anchor_owner.append(-1 - position)  # a second word the pattern needs, not a start
            for group, name in compiled.captures.items():
                word_class = classes.get(name)
                plan.forms[group] = word_class.forms if word_class is not None else {}
        for position, source in enumerate(self.unless):
            try:
                plan.unless.append(compile_pattern(source, classes, self.gap).regex)
            except PatternError as exc:
                raise ValueError(f"unless[{position}] {source!r}: {exc}") from None
        object.__setattr__(self, "plan", plan)
        return self

    def literals(self) -> list[str]:
        return self.plan.anchors

    def summary(self) -> list[Any]:
        return list(self.patterns)

    def clause_local(self) -> bool:
        # a veto anywhere in the draft, or a pattern that spells out a comma, reads past the clause
        return self.unless_in == "clause" and not any(entry.pattern.crosses for entry in self.plan.compiled)

    def check(self, draft: Draft, index: int) -> list[Diagnostic]:
        plan = self.plan
        owner = plan.anchor_owner
        found = []
        hits: dict[int, list[tuple[int, int]]] = {}
        seconds: set[int] = set()
        for term, start, end in draft.hits.get(index, ()):
            position = owner[term]
            if position < 0:
                seconds.add(-1 - position)
            else:
                hits.setdefault(position, []).append((start, end))
        for position in sorted(hits):
            entry = plan.compiled[position]
            if entry.pattern.also and position not in seconds:
                continue  # the pattern needs a word this draft lacks
            for first in _matches_near(entry.pattern, hits[position], draft):
                match = _whole_words(entry.pattern, first, draft)
                if match is None:
                    continue
                start, end = match.span()
                if end <= start or self._innocent(plan, draft, index, start, end):
                    continue
                found.append(self.diagnostic(draft, start, end, self._fix(plan, entry, match, draft)))
                if len(found) >= draft.limit:
                    return found
        return found

    def _innocent(self, plan: _Plan, draft: Draft, index: int, start: int, end: int) -> bool:
        # The rule's own allow words veto any match they overlap (猪肉 in 您是猪肉…); shop-wide ones
        # must cover it, as for every kind.
        if draft.overlaps_allowed(index, start, end):
            return True
        if draft.is_allowed(index, start, end):
            return True
        if plan.unless:
            if self.unless_in == "draft":
                where = (index, 0, len(draft.text))
            else:
                where = (index, draft.clause_bounds(start)[0], draft.clause_bounds(end - 1)[1])
            # asked once per clause (or draft): searching it again for every match was quadratic
            vetoes = draft.vetoes = draft.vetoes or {}
            vetoed = vetoes.get(where)
            if vetoed is None:
                vetoed = any(veto.search(draft.text, where[1], where[2]) for veto in plan.unless)
                vetoes[where] = vetoed
            return vetoed
        return False

    def _fix(self, plan: _Plan, entry: _Compiled, match: re.Match[str], draft: Draft) -> tuple[str, ...]:
        if entry.fix is _UNSET:
            return self.replacements
        if entry.fix is None:
            return ()
        return (
            "".join(part if group is None else _captured(plan, group, match, draft) for part, group in entry.template),
        )


def _captured(plan: _Plan, group: str, match: re.Match[str], draft: Draft) -> str:
    """What a group matched, in the form a fix uses: a mapping class's form, else the agent's own text."""
    word = match.group(group)
    if word is None:
        return ""
    forms = plan.forms.get(group)
    if forms and word in forms:
        return forms[word]
    raw_start, raw_end = draft.norm.raw_span(*match.span(group))
    return draft.norm.raw[raw_start:raw_end]


def _matches_near(pattern: CompiledPattern, hits: list[tuple[int, int]], draft: Draft) -> list[re.Match[str]]:
    """The pattern's matches, searched only around its anchor hits: a match holds an anchor, so it lies
    within the pattern's width of one. A window ends at a clause break, so $ sees what really follows."""
    text, width = draft.text, pattern.width
    found: dict[tuple[int, int], re.Match[str]] = {}
    covered = -1
    for hit_start, hit_end in sorted(hits):
        if hit_end <= covered:
            continue
        window_start = max(0, hit_start - width)
        window_end = draft.next_break(min(len(text), hit_end + width))
        for match in pattern.regex.finditer(text, window_start, window_end):
            found.setdefault(match.span(), match)
        covered = window_end
    return [found[span] for span in sorted(found)]


_AT_CLAUSE_END = re.compile(rf"[{PARTICLES}]*(?!\w)")


def _whole_words(pattern: CompiledPattern, match: re.Match[str], draft: Draft) -> re.Match[str] | None:
    """The match if it stands on word boundaries (widened to whole words where the pattern allows), else None.

    A hit inside a longer word is usually another word altogether (靠 in 可靠), so a match must start
    where a word starts. Its end may fall inside a word that began within the match (怎么 of 怎么回事);
    where the pattern also matches up to that word's end (给您发 → 给您发货) the wider match is kept.
    Boundaries are those of dictionary words: jieba without its guesses, which glue 慢是 together.
    """
    start, end = match.span()
    before, after = draft.word_across(start), draft.word_across(end)
    if before is None and after is None:
        return match
    wide_start = before[0] if before else start
    wide_end = after[1] if after else end
    wider = pattern.regex.fullmatch(draft.text, wide_start, wide_end)
    # endpos makes the text look as if it ended there; a pattern ending in $ must see the real text
    if wider is not None and not (
        pattern.source.rstrip().endswith("$") and not _AT_CLAUSE_END.match(draft.text, wide_end)
    ):
        return wider
    if (before is None or draft.edge_holds(start)) and (after is None or draft.edge_holds(end)):
        return match
    # the last word runs on past the pattern, and at least two of its characters are in the match
    # (怎么 of 怎么回事), not one (发 of 发放)
    if before is None and after is not None and after[0] > start and end - after[0] >= 2:
        return match
    return None


def _check_template(fix: str, compiled: CompiledPattern, position: int) -> None:
    names = set(compiled.captures.values()) | {
        group[2:].replace("_", "-") for group in compiled.regex.groupindex if group.startswith("s_")
    }
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(fix) if name is not None]
    except ValueError as exc:
        raise ValueError(f"patterns[{position}] 的 fix {fix!r} 格式有误：{exc}") from None
    unknown = [name for name in fields if name not in names]
    if unknown:
        have = "、".join(sorted(names)) or "(无)"
        raise ValueError(f"patterns[{position}] 的 fix 用了模式里没有的 {{{unknown[0]}}}；可用：{have}")
