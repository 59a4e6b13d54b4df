"""The phrase index: BM25 over words and character grams, fused with fuzzy similarity and intent cues.

Built once per phrasebank version and then read-only, so a worker can build a new one off the event
loop and swap it in while requests in flight finish on the old one.
"""

from __future__ import annotations

import re
import time
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
from copilot.suggest.model import IntentModel, Sample, capped, fitted, forget_fitted
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
    phrase_scores: np.ndarray  # every phrase's score before the fuzzy step (for an intent's best phrase)


_corpus_memo: tuple[tuple[object, ...], tuple[Sample, ...]] | None = None  # see SuggestIndex._corpus_samples


def forget_caches() -> None:
    """Drop the segmented corpus and the cached fits, so the next build is cold (benchmarks)."""
    global _corpus_memo
    _corpus_memo = None
    forget_fitted()


class SuggestIndex:
    """Read-only retrieval structures over the enabled phrases of one phrasebank version."""

    def __init__(self, phrases: Iterable[PhraseLike], lexicon: Lexicon, train: bool = True) -> None:
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
        # each phrase's documents, for the fuzzy step over the candidates
        self._phrase_examples = [
            normalized[start:end] for start, end in zip(self._phrase_starts, self._phrase_ends, strict=True)
        ]
        self._phrase_sizes = (self._phrase_ends - self._phrase_starts).astype(np.int64)
        # BM25 runs over one document per phrase (its examples, title and keywords together): five
        # times fewer rows to score than one per example; fuzzy still compares example by example.
        phrase_words: list[list[str]] = [[] for _ in enabled]
        phrase_grams: list[list[str]] = [[] for _ in enabled]
        # one string object per distinct gram: at 10,000 phrases the copies alone would be ~100 MB
        pool: dict[str, str] = {}
        for owner, doc, text in zip(doc_phrase, doc_words, normalized, strict=True):
            phrase_words[owner].extend(doc)
            phrase_grams[owner].extend(pool.setdefault(gram, gram) for gram in char_grams(text))
        del pool
        # an empty phrasebank is a normal state (a new shop, a lead who deleted everything): no BM25
        self._words_bm25 = _bm25(phrase_words) if enabled else None
        self._chars_bm25 = _bm25(phrase_grams) if enabled else None
        self._intent_names = sorted({p.intent for p in self.phrases})
        self._intent_ids = {intent: i for i, intent in enumerate(self._intent_names)}
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
        self.complaint_cues = [
            (t, tuple(c for c in normalize_terms(list(t.cues)) if c)) for t in lexicon.complaint_types
        ]
        self.by_id = {p.id: p for p in self.phrases}
        started = time.perf_counter()
        self.model = self._train(enabled, normalized, doc_words, doc_phrase) if train else None
        self.train_seconds = time.perf_counter() - started  # reported by the benchmark
        self._by_shortcut = sorted(((p.shortcut.lower(), i) for i, p in enumerate(self.phrases) if p.shortcut))
        self._shortcut_keys = [key for key, _ in self._by_shortcut]

    def _train(
        self, enabled: list[PhraseLike], normalized: list[str], doc_words: list[list[str]], doc_phrase: list[int]
    ) -> IntentModel:
        """The intent model over the training corpus and the phrases' example questions."""
        corpus = self._corpus_samples()
        # a phrase's last document is its title and keywords, not a question a customer asked
        last = {owner: i for i, owner in enumerate(doc_phrase)}
        questions = [i for i, owner in enumerate(doc_phrase) if i != last[owner] and normalized[i]]
        picked = [questions[k] for k in capped([enabled[doc_phrase[i]].intent for i in questions])]
        examples = [self._sample(normalized[i], enabled[doc_phrase[i]].intent, doc_words[i]) for i in picked]
        return fitted([*corpus, *examples])

    def _corpus_samples(self) -> tuple[Sample, ...]:
        """The training corpus as samples, segmented by this index's tokenizer; reused while neither the
        corpus nor the tokenizer's words change (most edits touch neither, and segmenting ~4,000
        messages is a fifth of a second)."""
        global _corpus_memo
        key = (self.lexicon.corpus, self.tokenizer.words, tuple(self.lexicon.cues.items()))
        memo = _corpus_memo
        if memo is not None and memo[0] == key:
            return memo[1]
        texts = normalize_terms([text for text, _ in self.lexicon.corpus])
        samples = tuple(
            self._sample(text, intent, segmented)
            for text, (_, intent), segmented in zip(
                texts, self.lexicon.corpus, words_many(texts, self.tokenizer), strict=True
            )
        )
        _corpus_memo = (key, samples)  # one assignment: a racing build at worst segments again
        return samples

    def _sample(self, text: str, intent: str, segmented: list[str]) -> Sample:
        return Sample(text, intent, tuple(segmented), tuple(self.cue_intents(text)))

    def intent_probabilities(self, text: str, segmented: list[str] | None = None) -> dict[str, float]:
        """The intent model's probabilities for a normalised text (segmented: its words, when known)."""
        if self.model is None:
            return {}
        words_of = words(text, self.tokenizer) if segmented is None else segmented
        return self.model.probabilities(text, words_of, self.cue_intents(text))

    def best_of_intent(self, intent: str, phrase_scores: np.ndarray) -> int | None:
        """The phrase of an intent that scores best (the first of that intent when none scores)."""
        docs = self._intent_docs.get(intent)
        if docs is None or not len(docs) or intent == "other":
            return None
        return int(docs[int(np.argmax(phrase_scores[docs]))])

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
        if self._words_bm25 is None or self._chars_bm25 is None:
            return Scored(
                slots=np.zeros(0, dtype=np.int64),
                scores=np.zeros(0),
                intent_scores={},
                query_words=query_words,
                phrase_scores=fused,
            )
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
        intent_scores: dict[str, float] = {}
        if slots:
            # Fuzzy similarity only for the candidates, in one rapidfuzz call: typos, short messages.
            examples = [example for slot in slots for example in self._phrase_examples[slot]]
            similarity = process.cdist([text], examples, scorer=fuzz.ratio, dtype=np.float32)[0]
            offsets = np.zeros(len(slots), dtype=np.int64)
            np.cumsum(self._phrase_sizes[top[:-1]], out=offsets[1:])
            scores += WEIGHTS["fuzzy"] * np.maximum.reduceat(similarity, offsets) / 100
            best = np.zeros(len(self._intent_names))
            np.maximum.at(best, self._phrase_intent[top], scores)
            intent_scores = {self._intent_names[i]: float(best[i]) for i in np.flatnonzero(best)}
        return Scored(
            slots=np.asarray(slots, dtype=np.int64),
            scores=scores,
            intent_scores=intent_scores,
            query_words=query_words,
            phrase_scores=fused,
        )


def _indexed_phrases(
    enabled: list[PhraseLike], doc_words: list[list[str]], doc_phrase: list[int]
) -> tuple[IndexedPhrase, ...]:
    terms: list[set[str]] = [set() for _ in enabled]
    for doc, owner in zip(doc_words, doc_phrase, strict=True):
        terms[owner].update(doc)
    searchable = normalize_terms([" ".join([p.title, *p.keywords]) for p in enabled])
    return tuple(
        IndexedPhrase(
            id=p.id,
            title=p.title,
            body=p.body,
            intent=p.intent,
            group=p.group,
            shortcut=p.shortcut,
            terms=frozenset(terms[i]),
            searchable=searchable[i],
        )
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
