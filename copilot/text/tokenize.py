"""jieba tokens for the places where word boundaries matter; one tokenizer for lint and suggest."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

Token = tuple[str, int, int]

_tokenizer = jieba.Tokenizer()
_lock = threading.Lock()
_ready = False
# Clause boundaries: tokenizing a clause instead of a whole draft keeps jieba's cost to where it is needed.
_CLAUSE_BREAK = re.compile(r"[,.!?;:,。!?;:、\n()()\[\]【】《》<>\"'“”‘’~\s]")


def _ensure_ready() -> None:
    global _ready
    if not _ready:
        with _lock:
            if not _ready:
                _tokenizer.initialize()
                _ready = True


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) instead of on the first request."""
    _ensure_ready()


# Frequency given to domain words: high enough that jieba keeps them whole, without the cost of
# jieba's own tuning (suggest_freq segments each word again: 10,000 keywords took a second).
_DOMAIN_WORD_FREQ = 3000


def add_words(words: Iterable[str]) -> None:
    """Teach the tokenizer domain words (花呗, 七天无理由) so they stay whole."""
    _ensure_ready()
    known = _tokenizer.FREQ
    for word in map(str, words):
        if len(word) > 1 and known.get(word, 0) < _DOMAIN_WORD_FREQ and not _CLAUSE_BREAK.search(word):
            _tokenizer.add_word(word, freq=_DOMAIN_WORD_FREQ)
    clear_cache()


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Tokens of text as (word, start, end), offsets shifted by offset."""
    return [(word, start + offset, end + offset) for word, start, end in _clause_tokens(text)]


@lru_cache(maxsize=8192)
def _clause_tokens(text: str) -> tuple[Token, ...]:
    # Cached: an agent's draft changes one clause per keystroke, the rest repeat. HMM stays on: it
    # joins words the dictionary lacks (不太), which is what no_bu must see whole.
    _ensure_ready()
    return tuple(_tokenizer.tokenize(text))


def clear_cache() -> None:
    """Forget cached clause tokens (after new words are added, and for cold-cache benchmarks)."""
    _clause_tokens.cache_clear()


def cut(text: str) -> list[str]:
    """Words of text, for retrieval (dictionary words only: fast, and the same for index and query)."""
    _ensure_ready()
    return _tokenizer.lcut(text, HMM=False)


def cut_many(texts: list[str]) -> list[list[str]]:
    """cut() for many texts in one jieba call, which saves jieba's per-call overhead on short texts."""
    _ensure_ready()
    out: list[list[str]] = [[]]
    for word in _tokenizer.cut("\n".join(texts), HMM=False):
        if word == "\n":
            out.append([])
        else:
            out[-1].append(word)
    return out if len(out) == len(texts) else [cut(text) for text in texts]


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The [start, end) of the clause of text that holds position pos."""
    start = pos
    while start > 0 and not _CLAUSE_BREAK.match(text, start - 1):
        start -= 1
    end = pos
    while end < len(text) and not _CLAUSE_BREAK.match(text, end):
        end += 1
    return start, end
