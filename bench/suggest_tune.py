"""Choose the fusion weights and the `other` threshold on the dev sets, and write them as data.

Run: .venv/bin/python -m bench.suggest_tune [--write]

Every dev message is read once (the model's and retrieval's scores for it, its clauses and its
conversation); then every point of a grid is scored by intent accuracy plus Hit@3 on the dev sets,
each message answered in its conversation. The grid: the model's weight against retrieval's, the
score under which a message is `other`, the share of the first intent's score a second intent needs,
how much the conversation weighs in, how close a runner-up must come to get a phrase up top. The test
set is never read here. With --write the best point goes to phrasebank/lexicon/fusion.yaml, which the
service loads.
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import asdict

from bench.phrasebank import PHRASEBANK, default_lexicon, default_phrases
from bench.suggest_eval import DEFAULTS, SETS, load_set
from copilot.suggest.index import SuggestIndex, normalized
from copilot.suggest.lexicon import Fusion
from copilot.suggest.suggester import Suggester, decide

MODEL_WEIGHTS = [0.8, 0.9, 1.0]
OTHER_BELOW = [0.0, 0.05, 0.1, 0.15, 0.2]
SECOND_SHARE = [0.4, 0.5, 0.6]
CONTEXT = [0.0, 0.15, 0.3, 0.5]
HEDGE_SHARE = [0.05, 0.1, 0.2, 0.4]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the best point to fusion.yaml")
    args = parser.parse_args(argv)
    suggester = Suggester(SuggestIndex(default_phrases(), default_lexicon()), DEFAULTS)
    dev = load_set(SETS["dev"])
    read = []
    for case in dev:
        evidence, scored = suggester.evidence(normalized(case.text).strip(), case.text, case.history)
        read.append((case.labels, evidence, scored))
    best: tuple[float, Fusion, dict[str, float]] | None = None
    suggested: dict[tuple, list[str]] = {}
    grid = itertools.product(MODEL_WEIGHTS, OTHER_BELOW, SECOND_SHARE, CONTEXT, CONTEXT, HEDGE_SHARE)
    for weight, other, share, customer, agent, hedge in grid:
        fusion = Fusion(
            model=weight,
            retrieval=round(1 - weight, 2),
            other_below=other,
            second_share=share,
            context_customer=customer,
            context_agent=agent,
            hedge_share=hedge,
        )
        correct = hits = answerable = 0
        for n, (labels, evidence, scored) in enumerate(read):
            decision = decide(evidence, fusion)
            correct += decision.intents[0][0] in labels
            if labels != ["other"]:
                answerable += 1
                key = (n, tuple(i for i, _ in decision.intents), tuple(decision.also))
                if key not in suggested:  # most grid points decide a message the same way
                    answer = suggester.answer(decision, scored, limit=3)
                    suggested[key] = [s["intent"] for s in answer["suggestions"]]
                hits += any(intent in labels for intent in suggested[key])
        figures = {"intent_accuracy": round(correct / len(read), 3), "hit_at_3": round(hits / answerable, 3)}
        objective = figures["intent_accuracy"] + figures["hit_at_3"]
        if best is None or objective > best[0] + 1e-9:
            best = (objective, fusion, figures)
    assert best is not None
    _, fusion, figures = best
    print(json.dumps({"messages": len(read), "fusion": asdict(fusion), **figures}, ensure_ascii=False))
    if args.write:
        path = PHRASEBANK / "lexicon" / "fusion.yaml"
        lines = [
            "# How the intent model and retrieval are combined. Chosen on the dev sets (never the test set)",
            f"# by `python -m bench.suggest_tune --write`: dev intent accuracy {figures['intent_accuracy']},"
            f" Hit@3 {figures['hit_at_3']} over {len(read)} messages.",
            *(f"{key}: {getattr(fusion, key)}" for key in Fusion.__dataclass_fields__),
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
