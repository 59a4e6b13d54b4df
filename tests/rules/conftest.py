"""A configured app over each test database, and a lead's client for writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from tests.conftest import authorize, make_settings


@pytest.fixture
def api(tmp_path: Path, database_url: str, phrasebank_dir: Path) -> Iterator[TestClient]:
    """A client whose requests carry a lead's token."""
    settings = make_settings(tmp_path, database_url=database_url, phrasebank_dir=phrasebank_dir)
    with TestClient(create_app(settings)) as client:
        authorize(client, "lead")
        yield client
