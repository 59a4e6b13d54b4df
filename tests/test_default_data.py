"""Consistency of the shipped data: the default phrasebank is complete and lints clean; the lexicon is valid."""

from __future__ import annotations

from collections import Counter

import pytest

from copilot.config import PROJECT_ROOT
from copilot.lint import Linter
from copilot.store import PhrasePublic
from copilot.suggest.intents import INTENTS
from copilot.suggest.lexicon import load_lexicon
from copilot.suggest.render import PLACEHOLDERS, render


@pytest.fixture(scope="module")
def phrases(default_phrases: list[PhrasePublic]) -> list[PhrasePublic]:
    return default_phrases


def test_the_phrasebank_has_at_least_150_phrases_over_every_intent(phrases: list[PhrasePublic]) -> None:
    assert len(phrases) >= 150
    assert set(Counter(p.intent for p in phrases)) == set(INTENTS) - {"other"}


def test_every_phrase_has_three_examples_and_keywords(phrases: list[PhrasePublic]) -> None:
    assert all(len(p.examples) >= 3 and p.keywords for p in phrases)


def test_every_default_phrase_lints_clean(phrases: list[PhrasePublic], linter: Linter) -> None:
    values = {name: "8" for name in PLACEHOLDERS}
    dirty = {p.id: [d.rule for d in linter.lint(render(p.body, values)).diagnostics] for p in phrases}
    assert {pid: rules for pid, rules in dirty.items() if rules} == {}


def test_bodies_use_only_known_placeholders(phrases: list[PhrasePublic]) -> None:
    values = {name: "" for name in PLACEHOLDERS}
    assert not [p.id for p in phrases if "{" in render(p.body, values)]


def test_the_lexicon_loads_and_names_six_complaint_types() -> None:
    lexicon = load_lexicon(PROJECT_ROOT / "phrasebank" / "lexicon")
    assert set(lexicon.cues) <= set(INTENTS)
    six = ["全面否定型", "缺乏信任型", "喋喋不休型", "立竿见影型", "推卸责任型", "发泄情绪型"]
    assert [t.id for t in lexicon.complaint_types] == six
    assert all(t.steps for t in lexicon.complaint_types)


def test_the_training_corpus_has_80_messages_per_intent_and_each_message_one_intent() -> None:
    # load_lexicon refuses a message labelled with two intents (after normalising), so loading is the lint
    lexicon = load_lexicon(PROJECT_ROOT / "phrasebank" / "lexicon")
    per_intent = Counter(intent for _, intent in lexicon.corpus)
    assert set(per_intent) == set(INTENTS)
    assert min(per_intent.values()) >= 80 and sum(per_intent.values()) >= 1600


def test_the_fusion_weights_are_tuned_data() -> None:
    fusion = load_lexicon(PROJECT_ROOT / "phrasebank" / "lexicon").fusion
    assert abs(fusion.model + fusion.retrieval - 1) < 1e-9
    text = (PROJECT_ROOT / "phrasebank" / "lexicon" / "fusion.yaml").read_text(encoding="utf-8")
    assert "bench.suggest_tune" in text
