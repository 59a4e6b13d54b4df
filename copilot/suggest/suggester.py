"""Answer /v1/suggest: detect intents (several per message), rank phrases, render them, add hints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from copilot.suggest.features import words
from copilot.suggest.index import WEIGHTS, Scored, SuggestIndex, clauses, normalized
from copilot.suggest.lexicon import Fusion
from copilot.suggest.render import render

MAX_SCORE = sum(WEIGHTS.values())
# Retrieval alone (the method before the intent model, kept as the benchmark's baseline): below this
# score nothing fits and the message is `other`; a second intent needs this share of the first.
OTHER_BELOW = 0.42
SECOND_INTENT_SHARE = 0.6
INTENT_BOOST = 0.25  # a phrase of a detected intent outranks a look-alike of another intent
# The first suggestions cover this many intents: the detected ones, then the next likeliest, so a
# terse message read the wrong way still offers the right reply among the first three.
HEDGED = 3
CONTEXT_CHARS = 200  # of an earlier turn, the end is what the conversation is about now


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # customer | agent
    text: str


# Words that say nothing about what the customer wants (在, 哪, 多久, 要 …): a message of these alone,
# without a cue word, is `other`, whatever a model or a look-alike phrase makes of it.
FUNCTION_WORDS = frozenset(
    "在 哪 哪里 哪儿 多久 多少 不能 能不能 要 想 有 没 没有 什么 啥 怎么 怎么样 咋 吗 呢 吧 啊 呀 哦 嗯 嗯嗯 恩 额"
    " 那 那个 这 这个 就 还 也 都 和 跟 给 让 被 把 对 好 好的 是 不是 可以 行 一个 一下 然后 所以 但是 就是"
    " 还是 或者 我 我要 我想".split()
)
SOCIAL = ("greeting", "thanks_bye")  # lead only when nothing else is asked

Mode = Literal["fused", "model", "retrieval"]


@dataclass(frozen=True, slots=True)
class View:
    """One reading of a message: the whole of it, or one of its clauses (read by the model alone)."""

    probabilities: Mapping[str, float]  # the intent model's
    retrieval: Mapping[str, float]  # the best phrase's retrieval score per intent, 0..1


@dataclass(frozen=True, slots=True)
class Evidence:
    views: tuple[View, ...]  # the whole message first, then each clause of several
    has_evidence: bool  # False: only function words and no cue word
    # the intent model's reading of the customer's previous turn and of the agent's last reply: what the
    # conversation is about, which decides a terse follow-up (还是不行, 好 约明天) the message alone cannot
    customer_before: Mapping[str, float] = field(default_factory=dict)
    agent_before: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    intents: list[tuple[str, float]]  # what the message asks about, first first
    also: list[str]  # the next likeliest intents: their best phrases follow, in case the first is wrong


_PRIOR_FLOOR = 0.05  # an intent the context never mentions is unlikely, not impossible


def fused(view: View, fusion: Fusion, mode: str) -> dict[str, float]:
    """Each intent's score in one view: the model's probability and retrieval's, weighted as tuned."""
    model, retrieval = (1.0, 0.0) if mode == "model" else (fusion.model, fusion.retrieval)
    intents = set(view.probabilities) | set(view.retrieval)
    return {i: model * view.probabilities.get(i, 0.0) + retrieval * view.retrieval.get(i, 0.0) for i in intents}


def in_context(scores: dict[str, float], evidence: Evidence, fusion: Fusion) -> dict[str, float]:
    """Scores weighed by what the conversation is about: each score times each context reading's
    probability raised to its tuned weight, rescaled to the same total. A clear message barely moves;
    a flat one (好 约明天) takes the conversation's intent."""
    priors = [
        (reading, weight)
        for reading, weight in (
            (evidence.customer_before, fusion.context_customer),
            (evidence.agent_before, fusion.context_agent),
        )
        if reading and weight > 0
    ]
    total = sum(scores.values())
    if not priors or total <= 0:
        return scores
    weighed = {}
    for intent, value in scores.items():
        for reading, weight in priors:
            value *= (reading.get(intent, 0.0) + _PRIOR_FLOOR) ** weight
        weighed[intent] = value
    scale = total / (sum(weighed.values()) or 1.0)
    return {intent: value * scale for intent, value in weighed.items()}


def _follow_up(evidence: Evidence, fusion: Fusion) -> Decision:
    """A message of function words only (那个呢, 嗯嗯那个) names nothing itself: in a conversation about
    something it asks about that again, at half the confidence; on its own it is `other`."""
    readings = [r for r in (evidence.customer_before, evidence.agent_before) if r]
    if readings:
        flat = {intent: 1.0 for reading in readings for intent in reading}
        ranked = sorted(in_context(flat, evidence, fusion).items(), key=lambda kv: -kv[1])
        intent, value = ranked[0]
        if intent != "other" and intent not in SOCIAL:
            return Decision([(intent, round(value / sum(v for _, v in ranked) / 2, 3))], [])
    return Decision([("other", 1.0)], [])


def decide(evidence: Evidence, fusion: Fusion, mode: str = "fused") -> Decision:
    """The intents a message asks about, first first: each clause's best intent may stand beside the
    message's; a greeting or thanks wrapped around a question comes after it; the conversation so far
    weighs in; weak evidence is `other`."""
    if not evidence.has_evidence:
        return _follow_up(evidence, fusion)
    scores = fused(evidence.views[0], fusion, mode)
    leaders: set[str] = set()
    for view in evidence.views[1:]:
        part = fused(view, fusion, mode)
        if part:
            best = max(part, key=part.__getitem__)
            leaders.add(best)
            scores[best] = max(scores.get(best, 0.0), part[best])
    ranked = sorted(in_context(scores, evidence, fusion).items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < fusion.other_below or ranked[0][0] == "other":
        top = ranked[0][1] if ranked else 0.0
        # an intent that runs the `other` reading close (as close as a second intent must) still gets a phrase
        also = [i for i, v in ranked if i != "other" and i not in SOCIAL and v >= fusion.second_share * top]
        return Decision([("other", round(1.0 - min(1.0, top) / 2, 3))], also[: HEDGED - 1])
    # what else the customer asks: an intent that scores near the greeting or thanks, or the one a
    # clause leads with (好的谢谢 换开要多久: the clause 换开要多久 names the question)
    near = max(fusion.other_below, fusion.second_share * ranked[0][1])
    asked = [kv for kv in ranked if kv[0] not in SOCIAL and kv[0] != "other" and (kv[1] >= near or kv[0] in leaders)]
    if ranked[0][0] in SOCIAL and asked:
        ranked = [asked[0], *[kv for kv in ranked if kv != asked[0]]]
        leaders.add(ranked[1][0])
    first_intent, first = ranked[0]
    picked = [(first_intent, first)]
    floor = max(fusion.other_below, fusion.second_share * first)
    for intent, value in ranked[1:]:
        if intent in leaders and intent != "other" and value >= floor:
            picked.append((intent, value))
    named = {intent for intent, _ in picked}
    also = [
        i
        for i, v in ranked
        if i not in named
        and i != "other"
        and i not in SOCIAL
        and v >= max(fusion.other_below, fusion.hedge_share * first)
    ][: max(0, HEDGED - len(picked))]
    return Decision([(intent, round(min(1.0, value), 3)) for intent, value in picked], also)


class Suggester:
    """Suggestions for one phrasebank version; immutable, so it can be swapped whole.

    Intents come from the intent model fused with retrieval (mode "fused"); "model" and "retrieval"
    (the method before the model) are kept for the benchmark's comparison.
    """

    def __init__(
        self,
        index: SuggestIndex,
        defaults: Mapping[str, str],
        mode: Mode = "fused",
        blocked: frozenset[str] = frozenset(),
    ) -> None:
        self.index = index
        self.defaults = dict(defaults)
        self.mode: Mode = mode if index.model is not None else "retrieval"
        # ids of the phrases whose rendered text breaks an error-level rule in force (LiveIndex computes
        # them when it builds this object, and again when the rules change)
        self.blocked = blocked

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

        if self.mode == "retrieval":
            return self._by_retrieval(text, message, history, limit, fill)
        evidence, scored = self.evidence(text, message, history)
        decision = decide(evidence, self.index.lexicon.fusion, self.mode)
        complaint_type, hints = self._complaint(text, [i for i, _ in decision.intents])
        return self._answer(decision.intents, complaint_type, hints, scored, limit, fill, decision.also)

    def _by_retrieval(
        self, text: str, message: str, history: Sequence[Turn], limit: int, fill: Mapping[str, str]
    ) -> dict[str, Any]:
        """Intents from retrieval scores alone: the method before the intent model (a baseline)."""
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

    def evidence(self, text: str, message: str, history: Sequence[Turn] = ()) -> tuple[Evidence, Scored]:
        """What decides the intents: the model's and retrieval's scores for the message and each of its
        clauses, and the model's reading of the previous customer turn and the agent's last reply; the
        costly part, computed once."""
        scored = self.index.score(text)
        views = [self._view(text, scored)]
        parts = [p for p in clauses(message) if any(ch.isalnum() for ch in p)]
        if len(parts) > 1:
            # a clause is read by the model alone: retrieval's share is small, and scoring every clause
            # against the phrasebank would double a long message's cost
            for part in parts:
                part_words = words(part, self.index.tokenizer)
                if self._has_evidence(part, part_words):
                    views.append(View(probabilities=self.index.intent_probabilities(part, part_words), retrieval={}))
        return Evidence(
            views=tuple(views),
            has_evidence=self._has_evidence(text, scored.query_words),
            customer_before=self._reading(history, "customer"),
            agent_before=self._reading(history, "agent"),
        ), scored

    def _reading(self, history: Sequence[Turn], role: str) -> Mapping[str, float]:
        """The intent model's probabilities for the last turn of role in history (empty when none)."""
        last = next((turn.text for turn in reversed(history) if turn.role == role), None)
        return {} if last is None else self.index.intent_probabilities(normalized(last[-CONTEXT_CHARS:]).strip())

    def _view(self, text: str, scored: Scored) -> View:
        probabilities = self.index.intent_probabilities(text, scored.query_words)
        retrieval = {i: v / MAX_SCORE for i, v in scored.intent_scores.items()}
        return View(probabilities=probabilities, retrieval=retrieval)

    def _has_evidence(self, text: str, words: Sequence[str]) -> bool:
        """False when the message (its words without filler) is only function words (我要, 嗯嗯那个)
        and names no cue word."""
        return bool(self.index.cue_intents(text)) or any(word not in FUNCTION_WORDS for word in words)

    def _first_of(self, intent: str, order: list[int], scored: Scored) -> int | None:
        found = next((slot for slot in order if self.index.phrases[slot].intent == intent), None)
        return found if found is not None else self.index.best_of_intent(intent, scored.phrase_scores)

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

    def answer(self, decision: Decision, scored: Scored, limit: int = 5) -> dict[str, Any]:
        """The suggestions for intents already decided (what the tuning benchmark compares)."""
        return self._answer(decision.intents, None, [], scored, limit, self.defaults, decision.also)

    def _answer(
        self,
        intents: list[tuple[str, float]],
        complaint_type: str | None,
        hints: list[str],
        scored: Scored | None,
        limit: int,
        fill: Mapping[str, str],
        also: Sequence[str] = (),
    ) -> dict[str, Any]:
        suggestions: list[dict[str, Any]] = []
        detected = [i for i, _ in intents]
        if scored is not None and len(self.index.phrases) and (len(scored.slots) or detected != ["other"]):
            boosted = scored.scores + INTENT_BOOST * self.index.intent_mask(scored.slots, detected)
            order = [int(scored.slots[i]) for i in np.argsort(-boosted, kind="stable")]
            if detected == ["other"]:
                # nothing in the phrasebank fits, unless a lead wrote phrases for exactly such messages
                order = [slot for slot in order if self.index.phrases[slot].intent == "other"]
            value = dict(zip(map(int, scored.slots), boosted, strict=True))
            # one phrase per detected intent first, so a two-question message gets both answers up top;
            # an intent the model found but retrieval's candidates lack gets its best phrase anyway
            firsts = [self._first_of(i, order, scored) for i in [*detected, *also]]
            for slot in firsts:
                if slot is not None and slot not in value:
                    value[slot] = float(scored.phrase_scores[slot]) + INTENT_BOOST
            chosen = list(dict.fromkeys(s for s in firsts if s is not None))
            chosen += [s for s in order if s not in chosen]
            query = set(scored.query_words)
            for slot in chosen[:limit]:
                phrase = self.index.phrases[slot]
                suggestions.append(
                    self._suggestion(
                        phrase, float(value[slot]) / (MAX_SCORE + INTENT_BOOST), sorted(query & phrase.terms), fill
                    )
                )
        return {
            "intents": [{"id": i, "score": s} for i, s in intents],
            "complaint_type": complaint_type,
            "suggestions": unblocked_first(suggestions),
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
            matched = [query] if query else []
            return unblocked_first([self._suggestion(p, 1.0, matched, fill) for p in of_intent[:limit]])
        if not query:
            return []
        found = list(self.index.by_shortcut(query))
        needle = normalized(query)
        if len(found) < limit:
            found += [p for p in self.index.phrases if p not in found and needle in p.searchable]
        return unblocked_first([self._suggestion(p, 1.0, [query], fill) for p in found[:limit]])

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
            "suggestions": unblocked_first([self._suggestion(p, 1.0, ["/" + prefix], fill) for p in found[:limit]]),
            "hints": [],
        }

    def _suggestion(self, phrase: Any, score: float, matched: list[str], fill: Mapping[str, str]) -> dict[str, Any]:
        return {
            "id": phrase.id,
            "title": phrase.title,
            "text": render(phrase.body, fill),
            "intent": phrase.intent,
            "group": phrase.group,
            "shortcut": phrase.shortcut,
            "score": round(min(1.0, score), 3),
            "matched": matched,
            "blocked": phrase.id in self.blocked,
        }


def unblocked_first(suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The list with a blocked phrase never first while an unblocked one is offered (the best unblocked
    one moves up; the rest keep their order)."""
    if not suggestions or not suggestions[0]["blocked"]:
        return suggestions
    first = next((i for i, s in enumerate(suggestions) if not s["blocked"]), None)
    if first is None:
        return suggestions
    return [suggestions[first], *suggestions[:first], *suggestions[first + 1 :]]
