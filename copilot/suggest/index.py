"""The phrase index: BM25 over words and character grams, fused with fuzzy similarity and intent cues.

Built once per phrasebank version and then read-only, so a worker can build a new one off the event
loop and swap it in while requests in flight finish on the old one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import ahocorasick_rs
import bm25s
import numpy as np
from rapidfuzz import fuzz, process

from copilot.suggest.features import char_grams, words, words_many
from copilot.suggest.lexicon import Lexicon
from copilot.text.normalize import normalize, normalize_terms
from copilot.text.tokenize import Tokenizer

# How much each signal counts in a phrase's score (they are each scaled to 0..1 first).
WEIGHTS = {"words": 0.35, "chars": 0.2, "fuzzy": 0.25, "cue": 0.35}
# BM25 scores at which a match counts as a full match (see _unit).
FLOORS = {"words": 0.0, "chars": 10.0}
CANDIDATES = 40  # phrases that get the (costlier) fuzzy comparison
# Customers separate questions with punctuation, spaces or a connective; split the raw text, since
# normalising drops spaces between Chinese characters.
_CLAUSE = re.compile(r"[,.!?;，。！？；、\n~～]+|\s+|另外|顺便|以及|然后")


class PhraseLike(Protocol):
    id: str
    title: str
    body: str
    intent: str
    group: str
    shortcut: str | None
    keywords: list[str]
    examples: list[str]
    enabled: bool


@dataclass(frozen=True, slots=True)
class IndexedPhrase:
    id: str
    title: str
    body: str
    intent: str
    group: str
    shortcut: str | None
    terms: frozenset[str]  # words of its title, keywords and examples: what `matched` reports
    searchable: str  # normalised title and keywords, for the sidebar's text search


@dataclass(frozen=True, slots=True)
class Scored:
    """One clause's view: the candidate phrases with fused scores, the best per intent, the query words."""

    slots: np.ndarray  # candidate phrases, best first
    scores: np.ndarray  # their fused scores
    intent_scores: dict[str, float]
    query_words: list[str]


class SuggestIndex:
    """Read-only retrieval structures over the enabled phrases of one phrasebank version."""

    def __init__(self, phrases: Iterable[PhraseLike], lexicon: Lexicon) -> None:
        enabled = [p for p in phrases if p.enabled]
        self.lexicon = lexicon
        cue_words = [w for ws in lexicon.cues.values() for w in ws]
        # Its own tokenizer: the phrasebank's words stay whole here and never reach lint's.
        self.tokenizer = Tokenizer([*cue_words, *(k for p in enabled for k in p.keywords)])

        doc_phrase: list[int] = []
        doc_texts: list[str] = []
        for slot, phrase in enumerate(enabled):
            for text in [*phrase.examples, " ".join([phrase.title, *phrase.keywords])]:
                doc_phrase.append(slot)
                doc_texts.append(text)
        normalized = normalize_terms(doc_texts)
        doc_words = words_many(normalized, self.tokenizer)
        self.phrases = _indexed_phrases(enabled, doc_words, doc_phrase)
        self._doc_phrase = np.asarray(doc_phrase, dtype=np.int64)
        # docs are grouped by phrase, so the max over a phrase's docs is one reduceat
        self._phrase_starts = np.searchsorted(self._doc_phrase, np.arange(len(enabled)))
        self._phrase_ends = np.searchsorted(self._doc_phrase, np.arange(len(enabled)), side="right")
        self._examples = normalized
        # BM25 runs over one document per phrase (its examples, title and keywords together): five
        # times fewer rows to score than one per example; fuzzy still compares example by example.
        phrase_words: list[list[str]] = [[] for _ in enabled]
        phrase_grams: list[list[str]] = [[] for _ in enabled]
        for owner, doc, text in zip(doc_phrase, doc_words, normalized, strict=True):
            phrase_words[owner].extend(doc)
            phrase_grams[owner].extend(char_grams(text))
        self._words_bm25 = _bm25(phrase_words)
        self._chars_bm25 = _bm25(phrase_grams)
        self._intent_ids = {intent: i for i, intent in enumerate(sorted({p.intent for p in self.phrases}))}
        phrase_intent = np.asarray([self._intent_ids[p.intent] for p in self.phrases], dtype=np.int64)
        self._phrase_intent = phrase_intent
        self._intent_docs = {i: np.flatnonzero(phrase_intent == n) for i, n in self._intent_ids.items()}

        cue_owner: list[str] = []
        cue_terms: list[str] = []
        for intent, cues in lexicon.cues.items():
            for cue in normalize_terms(list(cues)):
                if cue:
                    cue_terms.append(cue)
                    cue_owner.append(intent)
        self._cue_owner = cue_owner
        self._cues = ahocorasick_rs.AhoCorasick(cue_terms, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST)
        self.complaint_cues = [(t, tuple(c for c in normalize_terms(list(t.cues)) if c))
                               for t in lexicon.complaint_types]
        self.by_id = {p.id: p for p in self.phrases}
        self._by_shortcut = sorted(((p.shortcut.lower(), i) for i, p in enumerate(self.phrases) if p.shortcut))
        self._shortcut_keys = [key for key, _ in self._by_shortcut]

    def intent_mask(self, slots: np.ndarray, intents: list[str]) -> np.ndarray:
        """1.0 for the phrases at slots whose intent is one of intents, else 0.0."""
        wanted = [self._intent_ids[i] for i in intents if i in self._intent_ids]
        return np.isin(self._phrase_intent[slots], wanted).astype(float)

    def __len__(self) -> int:
        return len(self.phrases)

    def by_shortcut(self, prefix: str) -> list[IndexedPhrase]:
        """Phrases whose shortcut code starts with prefix, in code order (/fp → fp1, fp2 …)."""
        prefix = prefix.lower()
        start = bisect_left(self._shortcut_keys, prefix)
        out = []
        for key, slot in self._by_shortcut[start:]:
            if not key.startswith(prefix):
                break
            out.append(self.phrases[slot])
        return out

    def cue_intents(self, text: str) -> dict[str, int]:
        """How many cue words of each intent a normalised text holds."""
        counts: dict[str, int] = {}
        for pid, _, _ in self._cues.find_matches_as_indexes(text):
            intent = self._cue_owner[pid]
            counts[intent] = counts.get(intent, 0) + 1
        return counts

    def score(self, text: str) -> Scored:
        """Fused 0..1 scores of the best-matching phrases for one normalised clause or message.

        Scoring runs per document (example question, or title + keywords) over the whole index with
        vector operations; only the best documents' phrases are then scored one by one (fuzzy).
        """
        query_words = words(text, self.tokenizer)
        grams = char_grams(text)
        fused = np.zeros(len(self.phrases), dtype=np.float32)
        if query_words:
            fused += WEIGHTS["words"] * _unit(self._words_bm25.get_scores(query_words), FLOORS["words"])
        if grams:
            fused += WEIGHTS["chars"] * _unit(self._chars_bm25.get_scores(grams), FLOORS["chars"])
        cues = self.cue_intents(text)
        if cues:
            strongest = max(cues.values())
            for intent, count in cues.items():
                docs_of_intent = self._intent_docs.get(intent)
                if docs_of_intent is not None:
                    fused[docs_of_intent] += WEIGHTS["cue"] * count / strongest

        top = _top(fused, CANDIDATES)
        top = top[np.argsort(-fused[top], kind="stable")]
        slots = top.tolist()
        scores = fused[top].astype(np.float64)
        if slots:
            # Fuzzy similarity only for the candidates, in one rapidfuzz call: typos, short messages.
            spans = [(self._phrase_starts[slot], self._phrase_ends[slot]) for slot in slots]
            examples = [ex for start, end in spans for ex in self._examples[start:end]]
            similarity = process.cdist([text], examples, scorer=fuzz.ratio, dtype=np.float32)[0]
            offsets = np.cumsum([0] + [end - start for start, end in spans[:-1]])
            scores += WEIGHTS["fuzzy"] * np.maximum.reduceat(similarity, offsets) / 100
        intent_scores: dict[str, float] = {}
        for slot, value in zip(slots, scores, strict=True):
            intent = self.phrases[slot].intent
            intent_scores[intent] = max(intent_scores.get(intent, 0.0), float(value))
        return Scored(slots=np.asarray(slots, dtype=np.int64), scores=scores, intent_scores=intent_scores,
                      query_words=query_words)


def _indexed_phrases(
    enabled: list[PhraseLike], doc_words: list[list[str]], doc_phrase: list[int]
) -> tuple[IndexedPhrase, ...]:
    terms: list[set[str]] = [set() for _ in enabled]
    for doc, owner in zip(doc_words, doc_phrase, strict=True):
        terms[owner].update(doc)
    searchable = normalize_terms([" ".join([p.title, *p.keywords]) for p in enabled])
    return tuple(
        IndexedPhrase(id=p.id, title=p.title, body=p.body, intent=p.intent, group=p.group,
                      shortcut=p.shortcut, terms=frozenset(terms[i]), searchable=searchable[i])
        for i, p in enumerate(enabled)
    )


def _bm25(corpus: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    # bm25s needs at least one token per document; an empty one gets a placeholder nobody queries.
    retriever.index([doc or ["\ue000"] for doc in corpus], show_progress=False)
    return retriever


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k highest positive scores (all of them when there are fewer), unordered."""
    scored = np.flatnonzero(scores)  # most documents share nothing with a short message
    if len(scored) <= k:
        return scored
    return scored[np.argpartition(-scores[scored], k - 1)[:k]]


def _unit(scores: np.ndarray, floor: float) -> np.ndarray:
    """Scores scaled so the best is 1, unless even the best is weaker than floor (an absolute BM25
    score): then it stays below 1, so a message the phrasebank barely touches scores low."""
    top = float(scores.max()) if len(scores) else 0.0
    return scores / max(top, floor) if top > 0 else scores


MAX_CLAUSES = 4


def clauses(raw: str) -> list[str]:
    """The normalised parts of a raw message that may each ask about something (能开发票吗?什么时候发货).

    A long, rambling message is cut into at most MAX_CLAUSES runs of neighbouring clauses, which
    keeps its cost bounded and each run still about one thing.
    """
    parts = [normalized(part) for part in _CLAUSE.split(raw) if part and part.strip()]
    if len(parts) <= MAX_CLAUSES:
        return parts
    size = -(-len(parts) // MAX_CLAUSES)
    return [" ".join(parts[i : i + size]) for i in range(0, len(parts), size)]


def normalized(text: str) -> str:
    return normalize(text).text
