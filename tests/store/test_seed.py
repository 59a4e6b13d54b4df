"""First start loads the default phrasebank; later starts never load it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from copilot.config import PROJECT_ROOT
from copilot.store import load_enabled_phrases, open_store, phrasebank_version
from copilot.store.errors import SeedError
from copilot.store.models import Phrase, PhraseHistory
from copilot.store.phrases import list_phrases


def test_first_start_loads_the_default_phrasebank(database_url: str, phrasebank_dir: Path) -> None:
    store = open_store(database_url, phrasebank_dir)
    try:
        with store.begin() as session:
            assert [p.id for p in list_phrases(session)] == ["invoice-01", "refund-01", "ship-01"]
            assert [p.id for p in load_enabled_phrases(session)] == ["invoice-01", "ship-01"]
            assert phrasebank_version(session) == 1
            sources = session.scalars(select(PhraseHistory.source)).all()
            assert sources == ["seed"] * 3
    finally:
        store.dispose()


def test_second_start_does_not_duplicate_or_restore_deleted_phrases(database_url: str, phrasebank_dir: Path) -> None:
    open_store(database_url, phrasebank_dir).dispose()
    store = open_store(database_url, phrasebank_dir)
    try:
        with store.begin() as session:
            assert session.scalar(select(func.count()).select_from(Phrase)) == 3
            session.execute(delete(Phrase))
    finally:
        store.dispose()
    store = open_store(database_url, phrasebank_dir)
    try:
        with store.begin() as session:
            assert session.scalar(select(func.count()).select_from(Phrase)) == 0  # emptied on purpose: stays so
    finally:
        store.dispose()


def test_a_broken_default_phrasebank_stops_start_up_with_file_and_line(database_url: str, phrasebank_dir: Path) -> None:
    text = (phrasebank_dir / "tiny.yaml").read_text(encoding="utf-8")
    (phrasebank_dir / "tiny.yaml").write_text(text.replace("intent: refund", "intent: refunds"), encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        open_store(database_url, phrasebank_dir)
    assert "tiny.yaml 第 20 行 intent" in caught.value.message and "refunds" in caught.value.message
    (phrasebank_dir / "tiny.yaml").write_text(text, encoding="utf-8")
    store = open_store(database_url, phrasebank_dir)  # nothing was half-written: the fixed file loads whole
    try:
        with store.begin() as session:
            assert len(list_phrases(session)) == 3
    finally:
        store.dispose()


def test_the_shipped_phrasebank_loads(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'real.db'}", PROJECT_ROOT / "phrasebank")
    try:
        with store.begin() as session:
            phrases = list_phrases(session)
    finally:
        store.dispose()
    assert len(phrases) >= 20
    assert {p.group for p in phrases} <= {"售前", "售中", "售后"}
