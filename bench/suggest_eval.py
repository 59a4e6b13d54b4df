"""Suggestion quality on a labelled dev set, beside two baselines run in the same script.

Run: .venv/bin/python -m bench.suggest_eval
Two sets of customer messages, written and labelled apart from the phrasebank's own example questions:
bench/data/suggest_dev.yaml (tuned on) and bench/data/suggest_test.yaml (held out). Figures per set:
- intent_accuracy: the first detected intent is one of the message's labels;
- hit_at_3: one of the top three suggestions has one of the labels (messages labelled only `other`
  are left out: no phrase answers them);
- multi_intent_recall: of messages with two labels, the share where both are detected (ours only);
- extra_intent_rate: of messages with one label, the share where we report more than one intent.
Baselines: plain BM25 over jieba tokens of the example questions, and rapidfuzz WRatio alone; each
predicts the intent of its best phrase and suggests its top three phrases.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import bm25s
import jieba
import numpy as np
import yaml
from rapidfuzz import fuzz, process

from bench.phrasebank import BenchPhrase, default_lexicon, default_phrases
from copilot.config import PROJECT_ROOT
from copilot.suggest.index import SuggestIndex
from copilot.suggest.suggester import Suggester

DATA = PROJECT_ROOT / "bench" / "data"
# dev: used while tuning weights and cue words; test: written blind to the phrasebank, the lexicon and
# the dev set, and never tuned on.
SETS = {"dev": DATA / "suggest_dev.yaml", "test": DATA / "suggest_test.yaml"}


def load_dev(path: Path = SETS["dev"]) -> list[tuple[str, list[str]]]:
    return [(m["text"], m["intents"]) for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]]


def top_phrases(doc_scores: np.ndarray, doc_phrase: list[int], k: int = 3) -> list[int]:
    seen: list[int] = []
    for doc in np.argsort(-doc_scores, kind="stable"):
        if doc_scores[doc] <= 0:
            break
        if doc_phrase[doc] not in seen:
            seen.append(doc_phrase[doc])
        if len(seen) == k:
            break
    return seen


class Bm25Baseline:
    def __init__(self, phrases: list[BenchPhrase]) -> None:
        self.docs = [(i, ex) for i, p in enumerate(phrases) for ex in p.examples]
        self.retriever = bm25s.BM25()
        self.retriever.index([jieba.lcut(ex) or ["\ue000"] for _, ex in self.docs], show_progress=False)

    def rank(self, message: str) -> list[int]:
        return top_phrases(self.retriever.get_scores(jieba.lcut(message)), [i for i, _ in self.docs])


class FuzzBaseline:
    def __init__(self, phrases: list[BenchPhrase]) -> None:
        self.docs = [(i, ex) for i, p in enumerate(phrases) for ex in p.examples]

    def rank(self, message: str) -> list[int]:
        scores = process.cdist([message], [ex for _, ex in self.docs], scorer=fuzz.WRatio)[0]
        return top_phrases(np.asarray(scores, dtype=float), [i for i, _ in self.docs])


def score_baseline(ranker: Bm25Baseline | FuzzBaseline, phrases: list[BenchPhrase], dev) -> dict[str, float]:
    correct = hits = answerable = 0
    for text, labels in dev:
        ranked = ranker.rank(text)
        predicted = phrases[ranked[0]].intent if ranked else "other"
        correct += predicted in labels
        if labels != ["other"]:
            answerable += 1
            hits += any(phrases[i].intent in labels for i in ranked[:3])
    return {"intent_accuracy": round(correct / len(dev), 3), "hit_at_3": round(hits / answerable, 3)}


def evaluate(suggester: Suggester, phrases: list[BenchPhrase], dev: list[tuple[str, list[str]]]) -> dict:
    correct = hits = answerable = multi = multi_found = single = extra = 0
    misses: Counter[str] = Counter()
    for text, labels in dev:
        answer = suggester.suggest(text, limit=3)
        detected = [i["id"] for i in answer["intents"]]
        correct += bool(detected) and detected[0] in labels
        if not (detected and detected[0] in labels):
            misses[labels[0]] += 1
        if labels != ["other"]:
            answerable += 1
            hits += any(s["intent"] in labels for s in answer["suggestions"][:3])
        if len(labels) > 1:
            multi += 1
            multi_found += set(labels) <= set(detected)
        else:
            single += 1
            extra += len(detected) > 1
    return {
        "messages": len(dev),
        "ours": {
            "intent_accuracy": round(correct / len(dev), 3),
            "hit_at_3": round(hits / answerable, 3),
            "multi_intent_recall": round(multi_found / multi, 3) if multi else None,
            "extra_intent_rate": round(extra / single, 3),
        },
        "bm25_jieba": score_baseline(Bm25Baseline(phrases), phrases, dev),
        "rapidfuzz": score_baseline(FuzzBaseline(phrases), phrases, dev),
        "intent_misses_by_label": dict(misses.most_common()),
    }


def main() -> None:
    phrases = default_phrases()
    suggester = Suggester(SuggestIndex(phrases, default_lexicon()), {"agent_no": "1", "shop": "本店", "customer": "亲"})
    figures = {name: evaluate(suggester, phrases, load_dev(path)) for name, path in SETS.items()}
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
