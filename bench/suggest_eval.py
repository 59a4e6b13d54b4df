"""Intent detection and suggestion quality: four methods on the dev sets and the blind test set.

Run: .venv/bin/python -m bench.suggest_eval [--set dev|test|all] [--alone] [--confusion]

Sets of customer messages labelled with intents (main one first), written apart from the phrasebank:
- dev: bench/data/suggest_dev.yaml, suggest_dev2.yaml, suggest_dev3.yaml — tuned on (fusion weights,
  the `other` threshold, cue words);
- test: bench/data/suggest_test.yaml — customer turns of whole conversations, written blind to the
  phrasebank, the training corpus and the dev sets; never tuned on.

Messages taken from conversations (suggest_dev3, suggest_test) carry their conversation and the
agent's reply before them, and are answered in conversation, as the sidebar asks: with the customer's
earlier turns and the agent's replies as history. `--alone` answers every message without history.

Methods: plain BM25 over jieba tokens of the phrases' example questions; retrieval (the method before
the intent model: BM25 and character grams fused with fuzzy similarity and cue words; its own use of
history kept); the intent model alone; the model fused with retrieval (what the service runs).

Figures: intent_accuracy — the first detected intent is one of the labels; hit_at_1 / hit_at_3 — the
first / one of the first three suggestions has one of the labels (messages labelled only `other` left
out: no phrase answers them); other_precision / other_recall — of messages detected `other`, the share
labelled `other`, and the reverse; multi_intent_recall — of messages with two labels, both detected.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import bm25s
import jieba
import numpy as np
import yaml

from bench.phrasebank import BenchPhrase, default_lexicon, default_phrases
from copilot.config import PROJECT_ROOT
from copilot.suggest.index import SuggestIndex
from copilot.suggest.suggester import Suggester, Turn

DATA = PROJECT_ROOT / "bench" / "data"
SETS = {
    "dev": [DATA / "suggest_dev.yaml", DATA / "suggest_dev2.yaml", DATA / "suggest_dev3.yaml"],
    "test": [DATA / "suggest_test.yaml"],
}
METHODS = ("bm25", "retrieval", "model", "fused")
DEFAULTS = {"agent_no": "1", "shop": "本店", "customer": "亲"}


@dataclass(frozen=True)
class Case:
    text: str
    labels: list[str]
    history: tuple[Turn, ...] = ()  # the conversation before it (customer and agent turns)


def load_set(paths: list[Path], alone: bool = False) -> list[Case]:
    cases: list[Case] = []
    for path in paths:
        if not path.exists():
            continue
        history: list[Turn] = []
        conversation = None
        for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            if m.get("conversation") != conversation or m.get("conversation") is None:
                conversation, history = m.get("conversation"), []
            if m.get("after"):
                history.append(Turn("agent", str(m["after"])))
            text = str(m["text"])
            cases.append(Case(text, [str(i) for i in m["intents"]], () if alone else tuple(history)))
            history.append(Turn("customer", text))
    return cases


class Bm25Baseline:
    """Plain BM25 over jieba tokens of every example question; the intent of the best phrase."""

    def __init__(self, phrases: list[BenchPhrase]) -> None:
        self.phrases = phrases
        self.docs = [(i, ex) for i, p in enumerate(phrases) for ex in p.examples]
        self.retriever = bm25s.BM25()
        self.retriever.index([jieba.lcut(ex) or ["\ue000"] for _, ex in self.docs], show_progress=False)

    def answer(self, message: str, history: tuple[Turn, ...] = ()) -> tuple[list[str], list[str]]:
        scores = self.retriever.get_scores(jieba.lcut(message))
        ranked: list[int] = []
        for doc in np.argsort(-scores, kind="stable"):
            if scores[doc] <= 0 or len(ranked) == 3:
                break
            if self.docs[doc][0] not in ranked:
                ranked.append(self.docs[doc][0])
        intents = [self.phrases[ranked[0]].intent] if ranked else ["other"]
        return intents, [self.phrases[i].intent for i in ranked]


def evaluate(answer, cases: list[Case]) -> dict:
    """answer(text, history) -> (detected intents, intents of the suggestions in order)."""
    correct = hit1 = hit3 = answerable = multi = multi_found = 0
    said_other = other_right = labelled_other = other_found = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for case in cases:
        labels = case.labels
        detected, suggested = answer(case.text, case.history)
        first = detected[0] if detected else "other"
        correct += first in labels
        confusion[(labels[0], first)] += 1
        said_other += first == "other"
        other_right += first == "other" and "other" in labels
        labelled_other += labels == ["other"]
        other_found += labels == ["other"] and first == "other"
        if labels != ["other"]:
            answerable += 1
            hit1 += bool(suggested[:1]) and suggested[0] in labels
            hit3 += any(s in labels for s in suggested[:3])
        if len(labels) > 1:
            multi += 1
            multi_found += set(labels) <= set(detected)
    return {
        "intent_accuracy": round(correct / len(cases), 3),
        "hit_at_1": round(hit1 / answerable, 3),
        "hit_at_3": round(hit3 / answerable, 3),
        "other_precision": round(other_right / said_other, 3) if said_other else None,
        "other_recall": round(other_found / labelled_other, 3) if labelled_other else None,
        "multi_intent_recall": round(multi_found / multi, 3) if multi else None,
        "confusion": confusion,
    }


def answerers(phrases: list[BenchPhrase]) -> dict:
    index = SuggestIndex(phrases, default_lexicon())
    out = {"bm25": Bm25Baseline(phrases).answer}
    for mode in ("retrieval", "model", "fused"):
        suggester = Suggester(index, DEFAULTS, mode=mode)

        def answer(
            text: str, history: tuple[Turn, ...], suggester: Suggester = suggester
        ) -> tuple[list[str], list[str]]:
            result = suggester.suggest(text, history, limit=3)
            return [i["id"] for i in result["intents"]], [s["intent"] for s in result["suggestions"]]

        out[mode] = answer
    return out


def confusion_table(confusion: Counter[tuple[str, str]]) -> str:
    """Per label: messages, correct first intents, and what the rest were taken for."""
    labels = sorted({label for label, _ in confusion})
    rows = ["| label | messages | right | taken for |", "| --- | --- | --- | --- |"]
    for label in labels:
        total = sum(n for (lab, _), n in confusion.items() if lab == label)
        right = confusion[(label, label)]
        wrong = sorted(((n, got) for (lab, got), n in confusion.items() if lab == label and got != label), reverse=True)
        rows.append(f"| {label} | {total} | {right} | {', '.join(f'{got} {n}' for n, got in wrong[:3])} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="dev")
    parser.add_argument("--alone", action="store_true", help="answer every message without its conversation")
    parser.add_argument("--confusion", action="store_true", help="print the fused method's confusion table")
    args = parser.parse_args(argv)
    methods = answerers(default_phrases())
    for name in SETS if args.set == "all" else [args.set]:
        messages = load_set(SETS[name], alone=args.alone)
        figures = {method: evaluate(methods[method], messages) for method in METHODS}
        print(
            json.dumps(
                {
                    "set": name,
                    "messages": len(messages),
                    **{m: {k: v for k, v in f.items() if k != "confusion"} for m, f in figures.items()},
                },
                ensure_ascii=False,
            )
        )
        print(f"\n#### {name} ({len(messages)} messages)\n")
        print("| method | intent accuracy | Hit@1 | Hit@3 | `other` precision / recall | both of two intents |")
        print("| --- | --- | --- | --- | --- | --- |")
        for method, f in figures.items():
            print(
                f"| {method} | {f['intent_accuracy']} | {f['hit_at_1']} | {f['hit_at_3']} | "
                f"{f['other_precision']} / {f['other_recall']} | {f['multi_intent_recall']} |"
            )
        if args.confusion:
            print("\n" + confusion_table(figures["fused"]["confusion"]))


if __name__ == "__main__":
    main()
