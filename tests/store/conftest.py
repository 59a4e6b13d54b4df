"""A migrated, seeded store on each test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.store import Store, open_store


@pytest.fixture
def store(database_url: str, phrasebank_dir: Path) -> Iterator[Store]:
    opened = open_store(database_url, phrasebank_dir)
    yield opened
    opened.dispose()
