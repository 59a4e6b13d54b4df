"""Answer /v1/suggest: detect intents (several per message), rank phrases, render them, add hints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from copilot.suggest.index import WEIGHTS, Scored, SuggestIndex, clauses, normalized
from copilot.suggest.render import render

MAX_SCORE = sum(WEIGHTS.values())
# Below this fused score nothing in the phrasebank fits: the message is `other`.
OTHER_BELOW = 0.42
# A second intent must score this share of the first (and lead its own clause) to be reported.
SECOND_INTENT_SHARE = 0.6
INTENT_BOOST = 0.25  # a phrase of a detected intent outranks a look-alike of another intent


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # customer | agent
    text: str


class Suggester:
    """Suggestions for one phrasebank version; immutable, so it can be swapped whole."""

    def __init__(self, index: SuggestIndex, defaults: Mapping[str, str]) -> None:
        self.index = index
        self.defaults = dict(defaults)

    def suggest(
        self,
        message: str,
        history: Sequence[Turn] = (),
        limit: int = 5,
        values: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The /v1/suggest answer for one customer message."""
        fill = {**self.defaults, **(values or {})}
        text = normalized(message).strip()
        if text.startswith("/"):
            return self._by_shortcut(text[1:].strip(), limit, fill)
        if not any(ch.isalnum() for ch in text):
            return self._answer([("other", 1.0)], None, [], None, limit, fill)

        scored = self.index.score(text)
        intent_scores = dict(scored.intent_scores)
        leaders: set[str] = set()
        parts = [p for p in clauses(message) if any(ch.isalnum() for ch in p)]
        if len(parts) > 1:
            for part in parts:
                part_scores = self.index.score(part).intent_scores
                if part_scores:
                    best = max(part_scores, key=part_scores.__getitem__)
                    leaders.add(best)
                    intent_scores[best] = max(intent_scores.get(best, 0.0), part_scores[best])
        if intent_scores and max(intent_scores.values()) < OTHER_BELOW and history:
            earlier = " ".join(t.text for t in history if t.role == "customer")[-200:]
            if earlier:
                context = self.index.score(normalized(earlier + " " + message))
                for intent, value in context.intent_scores.items():
                    intent_scores[intent] = max(intent_scores.get(intent, 0.0), 0.9 * value)
        # an intent the customer names with its own cue word (包邮 … 便宜点) may stand beside the first
        leaders.update(self.index.cue_intents(text))
        ranked = sorted(intent_scores.items(), key=lambda kv: -kv[1])
        intents = self._pick_intents(ranked, leaders)
        complaint_type, hints = self._complaint(text, [i for i, _ in intents])
        return self._answer(intents, complaint_type, hints, scored, limit, fill)

    def _pick_intents(self, ranked: list[tuple[str, float]], leaders: set[str]) -> list[tuple[str, float]]:
        if not ranked or ranked[0][1] < OTHER_BELOW:
            # the weaker the best phrase fits, the surer we are that this is something else
            return [("other", round(1.0 - 0.5 * (ranked[0][1] / OTHER_BELOW if ranked else 0.0), 3))]
        top_intent, top = ranked[0]
        picked = [(top_intent, top)]
        for intent, value in ranked[1:]:
            if intent in leaders and value >= SECOND_INTENT_SHARE * top and value >= OTHER_BELOW:
                picked.append((intent, value))
        return [(intent, round(min(1.0, value / MAX_SCORE), 3)) for intent, value in picked]

    def _complaint(self, text: str, intents: list[str]) -> tuple[str | None, list[str]]:
        best, best_hits = None, 0
        for ctype, cues in self.index.complaint_cues:
            hits = sum(1 for cue in cues if cue in text)
            if ctype.long_message and len(text) >= ctype.long_message:
                hits += 1
            if hits > best_hits:
                best, best_hits = ctype, hits
        if best is None and "complaint" in intents:
            best = next((t for t in self.index.lexicon.complaint_types if t.id == "发泄情绪型"), None)
        if best is None or ("complaint" not in intents and best_hits < 2):
            return None, []
        return best.id, list(best.steps)

    def _answer(
        self,
        intents: list[tuple[str, float]],
        complaint_type: str | None,
        hints: list[str],
        scored: Scored | None,
        limit: int,
        fill: Mapping[str, str],
    ) -> dict[str, Any]:
        suggestions: list[dict[str, Any]] = []
        detected = [i for i, _ in intents]
        if scored is not None and len(scored.slots):
            boosted = scored.scores + INTENT_BOOST * self.index.intent_mask(scored.slots, detected)
            order = [int(scored.slots[i]) for i in np.argsort(-boosted, kind="stable")]
            if detected == ["other"]:
                # nothing in the phrasebank fits, unless a lead wrote phrases for exactly such messages
                order = [slot for slot in order if self.index.phrases[slot].intent == "other"]
            value = dict(zip(map(int, scored.slots), boosted, strict=True))
            # one phrase per detected intent first, so a two-question message gets both answers up top
            firsts = [next((s for s in order if self.index.phrases[s].intent == i), None) for i in detected]
            chosen = [s for s in firsts if s is not None]
            chosen += [s for s in order if s not in chosen]
            query = set(scored.query_words)
            for slot in chosen[:limit]:
                phrase = self.index.phrases[slot]
                suggestions.append(self._suggestion(phrase, float(value[slot]) / (MAX_SCORE + INTENT_BOOST),
                                                    sorted(query & phrase.terms), fill))
        return {
            "intents": [{"id": i, "score": s} for i, s in intents],
            "complaint_type": complaint_type,
            "suggestions": suggestions,
            "hints": hints,
        }

    def search(
        self, query: str, limit: int = 9, values: Mapping[str, str] | None = None, intent: str | None = None
    ) -> list[dict[str, Any]]:
        """Phrases for the sidebar's `/` search: shortcut codes starting with query, then titles and
        keywords containing it; with an intent, that intent's phrases (those matching query first)."""
        fill = {**self.defaults, **(values or {})}
        query = query.strip().removeprefix("/")
        if intent is not None:
            needle = normalized(query)
            of_intent = [p for p in self.index.phrases if p.intent == intent]
            of_intent.sort(key=lambda p: not (needle and needle in p.searchable))
            return [self._suggestion(p, 1.0, [query] if query else [], fill) for p in of_intent[:limit]]
        if not query:
            return []
        found = list(self.index.by_shortcut(query))
        needle = normalized(query)
        if len(found) < limit:
            found += [p for p in self.index.phrases if p not in found and needle in p.searchable]
        return [self._suggestion(p, 1.0, [query], fill) for p in found[:limit]]

    def rerender(self, suggestions: list[dict[str, Any]], values: Mapping[str, str]) -> list[dict[str, Any]]:
        """The same suggestions rendered for another agent (their own number, shop, customer)."""
        fill = {**self.defaults, **values}
        by_id = self.index.by_id
        return [{**s, "text": render(by_id[s["id"]].body, fill)} if s["id"] in by_id else s for s in suggestions]

    def _by_shortcut(self, prefix: str, limit: int, fill: Mapping[str, str]) -> dict[str, Any]:
        found = self.index.by_shortcut(prefix) if prefix else []
        return {
            "intents": [],
            "complaint_type": None,
            "suggestions": [self._suggestion(p, 1.0, ["/" + prefix], fill) for p in found[:limit]],
            "hints": [],
        }

    @staticmethod
    def _suggestion(phrase: Any, score: float, matched: list[str], fill: Mapping[str, str]) -> dict[str, Any]:
        return {
            "id": phrase.id,
            "title": phrase.title,
            "text": render(phrase.body, fill),
            "intent": phrase.intent,
            "group": phrase.group,
            "shortcut": phrase.shortcut,
            "score": round(min(1.0, score), 3),
            "matched": matched,
        }
