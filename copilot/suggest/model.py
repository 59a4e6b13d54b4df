"""The intent model: multinomial logistic regression over character n-grams, words, word pairs and cues.

Trained at start-up and whenever the phrasebank changes, from the training corpus
(phrasebank/training/), the phrases' own example questions and the examples a team adds; fitted
with scipy's optimiser (see _fit_softmax for why not scikit-learn). Scored with numpy directly: a
message holds a few dozen features, and gathering their weights costs tens of microseconds.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.optimize import minimize

from copilot.suggest import model_cache
from copilot.suggest.features import STOPWORDS

_NGRAMS = (1, 2, 3)
# Per intent at most this many phrase examples join the training corpus: the model needs the variety
# of how customers ask, not 50,000 near-copies from a big phrasebank (training stays within seconds).
MAX_EXAMPLES_PER_INTENT = 100
_C = 10.0  # weak regularisation: the corpus is small and clean (C from 3 to 100 scored alike on dev)
# Conjugate gradients keep a handful of vectors (L-BFGS-B's workspace was ~100 MB at 10,000 phrases)
# and 30 iterations score as well on dev as running to convergence, in under a second.
_METHOD: Final = "CG"
_MAX_ITER = 30
_CHAR_MIN_DF = 2
_RUNS = re.compile(r"[^\W_]+")
_CUE = "\ue001"  # prefix of a cue feature: cannot occur in text
_PAIR = "\ue002"  # joins the words of a pair feature


@dataclass(frozen=True, slots=True)
class Sample:
    text: str  # normalised
    intent: str
    words: tuple[str, ...]  # its jieba words (without filler)
    cues: tuple[str, ...] = ()  # the intents whose cue words it holds


def char_grams(text: str) -> list[str]:
    """Character uni-, bi- and trigrams of each run of letters, digits or characters."""
    grams: list[str] = []
    for run in _RUNS.findall(text):
        for n in _NGRAMS:
            grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


class _Block:
    """One block of features (characters, or words and cues): tf-idf with sublinear tf, l2-normalised."""

    def __init__(self, documents: Iterable[list[str]], min_df: int = 1) -> None:
        df: Counter[str] = Counter()
        n = 0
        for doc in documents:
            df.update(set(doc))
            n += 1
        kept = sorted(term for term, count in df.items() if count >= min_df)
        self.vocabulary = {term: i for i, term in enumerate(kept)}
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in kept], dtype=np.float64)

    @classmethod
    def of(cls, terms: np.ndarray, idf: np.ndarray) -> _Block:
        """A block with a stored vocabulary (in feature order) and idf."""
        if len(terms) != len(idf):
            raise ValueError("terms and idf differ in length")
        block = cls.__new__(cls)
        block.vocabulary = {str(term): i for i, term in enumerate(terms)}
        block.idf = np.asarray(idf, dtype=np.float64)
        return block

    def row(self, terms: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Feature indexes and values of one document."""
        counts = Counter(t for t in terms if t in self.vocabulary)
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        index = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.int64, count=len(counts))
        values = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        values *= self.idf[index]
        values /= np.linalg.norm(values)
        return index, values

    def matrix(self, documents: Iterable[list[str]]) -> sp.csr_matrix:
        """The rows of many documents at once (the same values as row(), built with array operations)."""
        vocabulary = self.vocabulary
        indptr: list[int] = [0]
        indices: list[int] = []
        for doc in documents:
            indices.extend(vocabulary[t] for t in doc if t in vocabulary)
            indptr.append(len(indices))
        counts = sp.csr_matrix(
            (np.ones(len(indices)), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(indptr) - 1, len(vocabulary)),
        )
        counts.sum_duplicates()
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1))).ravel()
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ counts)


class IntentModel:
    """Probabilities of each intent for a normalised message, given its words and cue intents.

    Pure data once fitted (no reference to a tokenizer or an index), so a fitted model can be reused
    by the next index when the training samples have not changed (see fitted()).
    """

    def __init__(self) -> None:
        self.intents: tuple[str, ...] = ()
        self._chars: _Block | None = None
        self._lexical: _Block | None = None
        self._coef = np.zeros((0, 0))
        self._intercept = np.zeros(0)

    @staticmethod
    def _lexical_terms(words: Iterable[str], cues: Iterable[str]) -> list[str]:
        """Words, neighbouring word pairs (上门+取件, 还是+不行: the pair says more than either word)
        and the intents whose cue words occur."""
        kept = [w for w in words if w not in STOPWORDS]
        pairs = [f"{a}{_PAIR}{b}" for a, b in zip(kept, kept[1:], strict=False)]
        return [*kept, *pairs, *(_CUE + c for c in cues)]

    def fit(self, samples: Sequence[Sample]) -> IntentModel:
        """Train on samples (at least two intents; otherwise the model predicts the one it knows)."""
        self.intents = tuple(sorted({s.intent for s in samples}))
        if len(self.intents) < 2:
            return self

        # character grams are computed twice rather than held: at 10,000 phrases they are ~25 MB of
        # small strings, and memory, not the extra milliseconds, is the tight budget
        def chars() -> Iterator[list[str]]:
            return (char_grams(s.text) for s in samples)

        lexical = [self._lexical_terms(s.words, s.cues) for s in samples]
        # a character gram seen once is noise; a word seen once may be the one that matters (价保 in a
        # lead's one new example), and dropping rare word pairs cost dev accuracy
        self._chars = _Block(chars(), min_df=_CHAR_MIN_DF)
        self._lexical = _Block(lexical)
        features = sp.hstack([self._chars.matrix(chars()), self._lexical.matrix(lexical)]).tocsr()
        labels = np.searchsorted(self.intents, [s.intent for s in samples])
        # one row per feature, so a message's features gather their rows in one step
        self._coef, self._intercept = _fit_softmax(features, labels, len(self.intents))
        return self

    def arrays(self) -> dict[str, np.ndarray]:
        """The fitted model as plain arrays (model_cache stores them)."""
        arrays = {"intents": np.array(self.intents, dtype=str), "coef": self._coef, "intercept": self._intercept}
        for name, block in (("chars", self._chars), ("lexical", self._lexical)):
            if block is not None:
                arrays[f"{name}_terms"] = np.array(list(block.vocabulary), dtype=str)
                arrays[f"{name}_idf"] = block.idf
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> IntentModel | None:
        """The model arrays() gave, or None when they do not make one."""
        try:
            model = cls()
            model.intents = tuple(str(i) for i in arrays["intents"])
            model._coef, model._intercept = arrays["coef"], arrays["intercept"]
            if "chars_terms" in arrays:
                model._chars = _Block.of(arrays["chars_terms"], arrays["chars_idf"])
                model._lexical = _Block.of(arrays["lexical_terms"], arrays["lexical_idf"])
                width = len(model._chars.vocabulary) + len(model._lexical.vocabulary)
                if model._coef.shape != (width, len(model.intents)) or model._intercept.shape != (len(model.intents),):
                    return None
            return model
        except (KeyError, ValueError):
            return None

    def probabilities(self, text: str, words: Iterable[str], cues: Iterable[str] = ()) -> dict[str, float]:
        """Each intent's probability for a normalised message (empty when the model has nothing to say)."""
        if not self.intents:
            return {}
        if self._chars is None or self._lexical is None:
            return {self.intents[0]: 1.0}
        char_index, char_values = self._chars.row(char_grams(text))
        word_index, word_values = self._lexical.row(self._lexical_terms(words, cues))
        if not len(char_index) and not len(word_index):
            return {}
        logits = self._intercept.copy()
        if len(char_index):
            logits += char_values @ self._coef[char_index]
        if len(word_index):
            logits += word_values @ self._coef[len(self._chars.vocabulary) + word_index]
        logits -= logits.max()
        odds = np.exp(logits)
        odds /= odds.sum()
        return dict(zip(self.intents, odds.tolist(), strict=True))


_FITTED: OrderedDict[bytes, IntentModel] = OrderedDict()
_FITTED_KEEP = 2  # the current model and the one before: an edit and its undo both come free
_fitted_lock = threading.Lock()


def forget_fitted() -> None:
    """Drop the cached fits (benchmarks time a cold fit)."""
    with _fitted_lock:
        _FITTED.clear()


def fitted(samples: Sequence[Sample]) -> IntentModel:
    """A model fitted on samples, reused from the last fits when the samples are the same: most
    phrasebank edits (a body, a title, a shortcut) leave the training samples as they were, and the
    fit is most of a rebuild's time. A cache only: every model can be fitted again from its samples."""
    digest = hashlib.blake2b(digest_size=16)
    for sample in samples:
        digest.update("\x1f".join([sample.text, sample.intent, " ".join(sample.words), " ".join(sample.cues)]).encode())
        digest.update(b"\x1e")
    digest.update(f"{_NGRAMS}{_C}{_METHOD}{_MAX_ITER}{_CHAR_MIN_DF}{np.__version__}{scipy.__version__}".encode())
    key = digest.digest()
    with _fitted_lock:
        if key in _FITTED:
            _FITTED.move_to_end(key)
            return _FITTED[key]
    stored = model_cache.load(key.hex())
    model = IntentModel.from_arrays(stored) if stored is not None else None
    if model is None:
        model = IntentModel().fit(samples)
        model_cache.save(key.hex(), model.arrays())
    with _fitted_lock:
        _FITTED[key] = model
        while len(_FITTED) > _FITTED_KEEP:
            _FITTED.popitem(last=False)
    return model


def _fit_softmax(features: sp.csr_matrix, labels: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with an L2 penalty of 1/(2C), fitted by conjugate gradients.

    The objective and its gradient are a few lines of numpy; scipy's optimiser does the rest. This
    is what scikit-learn's LogisticRegression fits, without importing scikit-learn, which costs every
    worker some 70 MB of memory for one function.
    """
    rows, columns = features.shape
    targets = np.zeros((rows, classes))
    targets[np.arange(rows), labels] = 1.0
    transposed = features.T.tocsr()

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = flat[: columns * classes].reshape(columns, classes), flat[columns * classes :]
        logits = features @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_p = logits - log_norm
        error = np.exp(log_p) - targets
        value = -(targets * log_p).sum() + (weights * weights).sum() / (2 * _C)
        gradient = np.concatenate([(transposed @ error + weights / _C).ravel(), error.sum(axis=0)])
        return float(value), gradient

    start = np.zeros(columns * classes + classes)
    result = minimize(loss, start, jac=True, method=_METHOD, options={"maxiter": _MAX_ITER})
    weights, bias = result.x[: columns * classes], result.x[columns * classes :]
    return np.ascontiguousarray(weights.reshape(columns, classes)), bias.copy()


def capped(intents: Sequence[str], per_intent: int = MAX_EXAMPLES_PER_INTENT, seed: int = 7) -> list[int]:
    """Indexes of the phrase examples that join the corpus: all of an intent's, or a fixed sample of
    per_intent when it has more (fixed, so every worker trains the same model from the same phrasebank)."""
    by_intent: dict[str, list[int]] = {}
    for i, intent in enumerate(intents):
        by_intent.setdefault(intent, []).append(i)
    picked: list[int] = []
    for intent in sorted(by_intent):
        group = by_intent[intent]
        if len(group) > per_intent:
            group = sorted(random.Random(f"{seed}:{intent}").sample(group, per_intent))
        picked.extend(group)
    return picked
