"""jieba tokens for the places where word boundaries matter.

Lint and suggest each get their own tokenizer. Lint's is jieba's dictionary as shipped, frozen at
start: lint must be a pure function of text and rules, so no phrasebank keyword may change how it
segments a draft. Suggest builds a fresh one with every phrase index (the base dictionary plus the
phrasebank's keywords), so words of deleted phrases do not linger either.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

Token = tuple[str, int, int]

# Clause boundaries: tokenizing a clause instead of a whole draft keeps jieba's cost to where it is needed.
CLAUSE_BREAK = re.compile(r"[,.!?;:,。!?;:、\n()()\[\]【】《》<>\"'“”‘’~\s]")

# Frequency given to domain words: high enough that jieba keeps them whole, without the cost of
# jieba's own tuning (suggest_freq segments each word again: 10,000 keywords took a second).
_DOMAIN_WORD_FREQ = 3000

_base = jieba.Tokenizer()
_base_lock = threading.Lock()
_base_ready = False


def _ready_base() -> jieba.Tokenizer:
    global _base_ready
    if not _base_ready:
        with _base_lock:
            if not _base_ready:
                _base.initialize()
                _base_ready = True
    return _base


def word_frequencies() -> dict[str, int]:
    """jieba's dictionary counts (read-only): how common each word is in ordinary Chinese text."""
    frequencies: dict[str, int] = _ready_base().FREQ  # jieba is untyped
    return frequencies


def dictionary_total() -> int:
    """The sum of jieba's dictionary counts (what its word probabilities are relative to)."""
    return int(_ready_base().total)


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) instead of on the first request."""
    _ready_base()


class Tokenizer:
    """A jieba tokenizer with its own dictionary and clause cache."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        base = _ready_base()
        extra = [
            w
            for w in map(str, words)
            if len(w) > 1 and base.FREQ.get(w, 0) < _DOMAIN_WORD_FREQ and not CLAUSE_BREAK.search(w)
        ]
        # what makes this tokenizer differ from another: two with the same words segment alike
        self.words = frozenset(extra)
        if extra:
            # A copy of the base dictionary (~15 ms): the base, which lint reads, never changes.
            own = jieba.Tokenizer()
            own.FREQ, own.total, own.initialized = dict(base.FREQ), base.total, True
            for word in extra:
                own.add_word(word, freq=_DOMAIN_WORD_FREQ)
            self._jieba = own
        else:
            self._jieba = base
        # Cached: an agent's draft changes one clause per keystroke, the rest repeat.
        self._clause_tokens = lru_cache(maxsize=8192)(self._tokens)

    def _tokens(self, text: str, hmm: bool) -> tuple[Token, ...]:
        return tuple(self._jieba.tokenize(text, HMM=hmm))

    def tokenize(self, text: str, offset: int = 0, hmm: bool = True) -> list[Token]:
        """Tokens of text as (word, start, end), offsets shifted by offset.

        With hmm (the default) jieba also joins characters its dictionary lacks as a word (不太), which
        is what no_bu must see whole; without it only dictionary words stay whole (慢是 stays two).
        """
        return [(word, start + offset, end + offset) for word, start, end in self._clause_tokens(text, hmm)]

    def clear_cache(self) -> None:
        """Forget cached clause tokens (for cold-cache benchmarks)."""
        self._clause_tokens.cache_clear()

    def cut(self, text: str) -> list[str]:
        """Words of text, for retrieval (dictionary words only: fast, and the same for index and query)."""
        words: list[str] = self._jieba.lcut(text, HMM=False)
        return words

    def cut_many(self, texts: list[str]) -> list[list[str]]:
        """cut() for many texts in one jieba call, which saves jieba's per-call overhead on short texts."""
        out: list[list[str]] = [[]]
        for word in self._jieba.cut("\n".join(texts), HMM=False):
            if word == "\n":
                out.append([])
            else:
                out[-1].append(word)
        return out if len(out) == len(texts) else [self.cut(text) for text in texts]


_lint: Tokenizer | None = None


def lint_tokenizer() -> Tokenizer:
    """The tokenizer lint uses: jieba's own dictionary, the same in every process whatever the phrasebank holds."""
    global _lint
    if _lint is None:
        _lint = Tokenizer()  # two threads racing here build two equal tokenizers; one is kept
    return _lint


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The [start, end) of the clause of text that holds position pos."""
    start = pos
    while start > 0 and not CLAUSE_BREAK.match(text, start - 1):
        start -= 1
    end = pos
    while end < len(text) and not CLAUSE_BREAK.match(text, end):
        end += 1
    return start, end
