"""A draft being linted: its normalised view, the literal hits per rule, and tokens on demand."""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from copilot.text.normalize import NormalizedText
from copilot.text.tokenize import CLAUSE_BREAK, Token, lint_tokenizer, word_frequencies
from copilot.text.tokenize import dictionary_total as _dictionary_total

_WINDOW = 6
_WHOLE_CLAUSE = 2 * _WINDOW + 1
_LONGEST_WORD = 4  # longer dictionary entries are set phrases, not words a pattern could cut
_COMMON_WORD = 20  # jieba counts below this are mostly names and rare compounds
_EDGE_WINDOW = 3  # characters either side that decide jieba's word boundary at one position
_SCAN = 8  # up to this many allow spans or claims are simply scanned; past it they are indexed
_NOT_WORD = re.compile(r"[\W_]+")
# What jieba may join into one word (characters, letters, digits, a few symbols: T恤, 3D): between
# anything else, a word boundary is certain without asking the tokenizer.
_JOINABLE = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]")


@dataclass(slots=True)
class _Index:
    claim_weights: dict[int, int] = field(default_factory=dict)  # raw position -> heaviest claim on it
    empty_claims: dict[int, int] = field(default_factory=dict)  # empty claims: raw position -> weight
    claims_seen: int = 0  # claims already marked
    # allow key -> (spans indexed, their starts in order, the furthest end of each prefix)
    allow: dict[int, tuple[int, list[int], list[int]]] = field(default_factory=dict)


@dataclass(slots=True)
class Draft:
    norm: NormalizedText
    # rule index -> [(term index within the rule, start, end)] in the normalised view
    hits: dict[int, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    # rule index (or -1 for shop-wide allow terms) -> allowed [start, end) spans in the view
    allowed: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    # raw spans (with severity weight) already flagged by more specific rules; token rules skip them
    claimed: list[tuple[int, int, int]] = field(default_factory=list)
    # The most diagnostics one rule raises here: past it a rule stops looking (8,000 of 不 are not
    # listed one by one), and the linter says more were left out.
    limit: int = 1 << 30
    cut: int = -1  # heaviest severity weight of a rule that reached the limit here (-1: none did)
    _clauses: dict[tuple[int, int, bool], list[Token]] = field(default_factory=dict)
    # (rule index, start, end) -> whether one of that clause rule's vetoes is in text[start:end]
    vetoes: dict[tuple[int, int, int], bool] | None = None
    # Indexes over claimed and allowed, built once they are long (made only then: most drafts never
    # need them): token rules ask once per 不 or 你, and scanning every claim or allow span each time
    # made a draft of thousands of them quadratic.
    _index: _Index | None = None
    _core: str | None = None
    _breaks: list[int] | None = None

    @property
    def text(self) -> str:
        return self.norm.text

    @property
    def core(self) -> str:
        """The draft's letters, digits and characters only (a reply of punctuation only: that punctuation),
        computed once for every curt rule."""
        if self._core is None:
            self._core = _NOT_WORD.sub("", self.norm.text) or "".join(self.norm.text.split())
        return self._core

    def is_allowed(self, rule: int, start: int, end: int) -> bool:
        """True when an allow-list term of this rule (or of the whole shop) covers [start, end)."""
        for key in (rule, -1):
            spans = self.allowed.get(key, ())
            if len(spans) <= _SCAN:
                if any(a_start <= start and end <= a_end for a_start, a_end in spans):
                    return True
                continue
            starts, reach = self._allow_spans(key)
            # of the allow spans starting at or before start, the one reaching furthest decides
            before = bisect_right(starts, start)
            if before and reach[before - 1] >= end:
                return True
        return False

    def overlaps_allowed(self, rule: int, start: int, end: int) -> bool:
        """True when an allow-list term of this rule (not the shop's) overlaps [start, end)."""
        spans = self.allowed.get(rule, ())
        if len(spans) <= _SCAN:
            return any(a_start < end and start < a_end for a_start, a_end in spans)
        starts, reach = self._allow_spans(rule)
        before = bisect_left(starts, end)
        return bool(before) and reach[before - 1] > start

    def _allow_spans(self, key: int) -> tuple[list[int], list[int]]:
        """The allow spans of one key sorted by start, with the furthest end reached by each prefix."""
        spans = self.allowed.get(key, ())
        index = self._index = self._index or _Index()
        cached = index.allow.get(key)
        if cached is None or cached[0] != len(spans):
            ordered = sorted(spans)
            reach, furthest = [], -1
            for _, a_end in ordered:
                furthest = max(furthest, a_end)
                reach.append(furthest)
            cached = (len(spans), [a_start for a_start, _ in ordered], reach)
            index.allow[key] = cached
        return cached[1], cached[2]

    def is_claimed(self, pos: int, weight: int) -> bool:
        """True when a more specific rule at least this severe already flagged view position pos."""
        raw_start, raw_end = self.norm.raw_span(pos, pos + 1)
        if len(self.claimed) <= _SCAN:
            return any(start < raw_end and raw_start < end and w >= weight for start, end, w in self.claimed)
        index = self._index = self._index or _Index()
        marks, empties = index.claim_weights, index.empty_claims
        for start, end, w in self.claimed[index.claims_seen :]:
            if start == end:
                empties[start] = max(w, empties.get(start, -1))
            for at in range(start, end):
                if marks.get(at, -1) < w:
                    marks[at] = w
        index.claims_seen = len(self.claimed)
        # a claim overlaps [raw_start, raw_end) when it covers one of its positions, or is empty inside it
        return any(marks.get(at, -1) >= weight for at in range(raw_start, raw_end)) or any(
            empties.get(at, -1) >= weight for at in range(raw_start + 1, raw_end)
        )

    def _break_positions(self) -> list[int]:
        if self._breaks is None:
            self._breaks = [m.start() for m in CLAUSE_BREAK.finditer(self.norm.text)]
        return self._breaks

    def next_break(self, pos: int) -> int:
        """The first clause break at or after view position pos (the end of the text if none)."""
        breaks = self._break_positions()
        after = bisect_left(breaks, pos)
        return breaks[after] if after < len(breaks) else len(self.norm.text)

    def clause_bounds(self, pos: int) -> tuple[int, int]:
        """The [start, end) of the clause holding view position pos (break positions found once per draft)."""
        breaks = self._break_positions()
        before = bisect_right(breaks, pos - 1)
        start = breaks[before - 1] + 1 if before else 0
        after = bisect_left(breaks, pos)
        end = breaks[after] if after < len(breaks) else len(self.norm.text)
        return start, end

    def token_at(self, pos: int, hmm: bool = True) -> Token:
        """The jieba token holding view position pos; only a window of its clause is tokenized, once."""
        start, end = self.clause_bounds(pos)
        if end - start > _WHOLE_CLAUSE:
            # jieba's segmentation is local: a few characters either side decide the word at pos,
            # and tokenizing a window instead of a long clause keeps the cost flat.
            start, end = max(start, pos - _WINDOW), min(end, pos + _WINDOW + 1)
        # a short clause is tokenized whole, once, for every position in it
        tokens = self._clauses.get((start, end, hmm))
        if tokens is None:
            tokens = lint_tokenizer().tokenize(self.norm.text[start:end], offset=start, hmm=hmm)
            self._clauses[(start, end, hmm)] = tokens
        for token in tokens:
            if token[1] <= pos < token[2]:
                return token
        return (self.norm.text[pos], pos, pos + 1)

    def is_boundary(self, pos: int, hmm: bool = True) -> bool:
        """True when a jieba word boundary falls just before view position pos."""
        text = self.norm.text
        if pos <= 0 or pos >= len(text) or not (_JOINABLE.match(text, pos - 1) and _JOINABLE.match(text, pos)):
            return True
        return self.token_at(pos, hmm)[1] == pos

    def word_across(self, pos: int) -> tuple[int, int] | None:
        """The longest common dictionary word that runs across view position pos (可|靠, 发|放), or None.

        A few dictionary lookups instead of segmenting the clause with jieba.
        """
        text = self.norm.text
        if pos <= 0 or pos >= len(text) or not (_JOINABLE.match(text, pos - 1) and _JOINABLE.match(text, pos)):
            return None
        freq = word_frequencies()
        best: tuple[int, int] | None = None
        for start in range(max(0, pos - _LONGEST_WORD + 1), pos):
            for end in range(min(len(text), start + _LONGEST_WORD), pos, -1):
                if freq.get(text[start:end], 0) >= _COMMON_WORD and (best is None or end - start > best[1] - best[0]):
                    best = (start, end)
                    break
        return best

    def edge_holds(self, pos: int) -> bool:
        """True when jieba, segmenting a few characters either side, puts a word boundary at pos although
        a dictionary word runs across it (发出|去 although 出去 is a word; 空调|用 although 调用 is)."""
        clause_start, clause_end = self.clause_bounds(pos)
        start, end = max(clause_start, pos - _EDGE_WINDOW), min(clause_end, pos + _EDGE_WINDOW)
        return pos - start in _best_split(self.norm.text[start:end])

    def is_word(self, start: int, end: int, hmm: bool = True) -> bool:
        """True when [start, end) begins and ends on jieba token boundaries."""
        return self.is_boundary(start, hmm) and self.is_boundary(end, hmm)


def _best_split(text: str) -> set[int]:
    """The word boundaries jieba's dictionary would put in a short text (its max-probability split,
    without the HMM guesses), computed directly: jieba's own machinery costs more than the answer."""
    freq = word_frequencies()
    log_total = math.log(_dictionary_total())
    size = len(text)
    best: list[tuple[float, int]] = [(0.0, size)] * (size + 1)
    for start in range(size - 1, -1, -1):
        options = []
        for end in range(start + 1, min(size, start + _LONGEST_WORD) + 1):
            count = freq.get(text[start:end], 0)
            if count > 0 or end == start + 1:
                options.append((math.log(count or 1) - log_total + best[end][0], end))
        best[start] = max(options)
    cuts, at = set(), 0
    while at < size:
        at = best[at][1]
        cuts.add(at)
    return cuts
