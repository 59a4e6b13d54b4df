"""A draft being linted: its normalised view, the literal hits per rule, and tokens on demand."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from copilot.text.normalize import NormalizedText
from copilot.text.tokenize import Token, clause_bounds, lint_tokenizer

_WINDOW = 6


@dataclass(slots=True)
class Draft:
    norm: NormalizedText
    # rule index -> [(term index within the rule, start, end)] in the normalised view
    hits: dict[int, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    # rule index (or -1 for shop-wide allow terms) -> allowed [start, end) spans in the view
    allowed: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    # raw spans (with severity weight) already flagged by more specific rules; token rules skip them
    claimed: list[tuple[int, int, int]] = field(default_factory=list)
    _clauses: dict[tuple[int, int], list[Token]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.norm.text

    def is_allowed(self, rule: int, start: int, end: int) -> bool:
        """True when an allow-list term of this rule (or of the whole shop) covers [start, end)."""
        for key in (rule, -1):
            for a_start, a_end in self.allowed.get(key, ()):
                if a_start <= start and end <= a_end:
                    return True
        return False

    def is_claimed(self, pos: int, weight: int) -> bool:
        """True when a more specific rule at least this severe already flagged view position pos."""
        raw_start, raw_end = self.norm.raw_span(pos, pos + 1)
        return any(start < raw_end and raw_start < end and w >= weight for start, end, w in self.claimed)

    def token_at(self, pos: int) -> Token:
        """The jieba token holding view position pos; only a window of its clause is tokenized, once."""
        clause_start, clause_end = clause_bounds(self.norm.text, pos)
        # jieba's segmentation is local: a few characters either side decide the word at pos,
        # and tokenizing a window instead of a long clause keeps the cost flat.
        bounds = (max(clause_start, pos - _WINDOW), min(clause_end, pos + _WINDOW + 1))
        tokens = self._clauses.get(bounds)
        if tokens is None:
            start, end = bounds
            tokens = lint_tokenizer().tokenize(self.norm.text[start:end], offset=start)
            self._clauses[bounds] = tokens
        for token in tokens:
            if token[1] <= pos < token[2]:
                return token
        return (self.norm.text[pos], pos, pos + 1)

    def is_word(self, start: int, end: int) -> bool:
        """True when [start, end) begins and ends on jieba token boundaries."""
        return self.token_at(start)[1] == start and self.token_at(end - 1)[2] == end
