"""What the sidebars' frames queue for learning: a sidebar counts each (conversation, message,
phrase) sighting once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.api.recording import SIGHTINGS_KEPT, Sightings
from copilot.learn.writer import CandidateWriter
from copilot.store import Store


@pytest.fixture
def learner(tmp_path: Path) -> Iterator[CandidateWriter]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'learn.db'}")  # nothing is flushed: never opened
    yield CandidateWriter(store)
    store.dispose()


def test_a_sidebar_counts_a_sighting_once(learner: CandidateWriter) -> None:
    seen = Sightings(learner)
    seen.add("c1", "P001", "什么时候发货", "小王")
    seen.add("c1", "P001", "什么时候发货", "小王")  # inserted again, or sent after it was inserted
    assert learner.pending == 1
    seen.add("c1", "P002", "什么时候发货", "小王")  # another phrase for the same message
    seen.add("c1", "P001", "能开发票吗", "小王")  # the same phrase for the next message
    seen.add("c2", "P001", "什么时候发货", "小王")  # another conversation
    assert learner.pending == 4
    assert Sightings(learner).add("c1", "P001", "什么时候发货", "小王") is None and learner.pending == 5  # per sidebar


def test_a_sidebar_remembers_only_its_newest_sightings(learner: CandidateWriter) -> None:
    seen = Sightings(learner)
    for n in range(SIGHTINGS_KEPT + 1):
        seen.add("c1", "P001", f"问题 {n}", None)
    seen.add("c1", "P001", "问题 0", None)  # forgotten: counted again
    seen.add("c1", "P001", f"问题 {SIGHTINGS_KEPT}", None)  # remembered
    assert learner.pending == SIGHTINGS_KEPT + 2 and len(seen.counted) == SIGHTINGS_KEPT


def test_without_learning_nothing_is_counted() -> None:
    seen = Sightings(None)
    seen.add("c1", "P001", "什么时候发货", "小王")
    assert len(seen.counted) == 0
