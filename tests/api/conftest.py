"""What the API tests share: the app on a fresh database with the tiny phrasebank, as a team lead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from tests.conftest import authorize, make_settings


@pytest.fixture
def api(tmp_path: Path, database_url: str, phrasebank_dir: Path) -> Iterator[TestClient]:
    """The app on a fresh database (SQLite and PostgreSQL) seeded with the tiny phrasebank, with a lead's
    token on every request."""
    settings = make_settings(tmp_path, database_url=database_url, phrasebank_dir=phrasebank_dir)
    with TestClient(create_app(settings)) as test_client:
        authorize(test_client, "lead")
        yield test_client
