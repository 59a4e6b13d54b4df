"""A real server per database (stats come from real WebSocket frames), and a lead's token for reading them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.sync.client import connect

from copilot.store import open_store
from tests.conftest import DATABASES, TINY_PHRASEBANK, LiveServer, fresh_database, make_token


@dataclass
class StatsServer:
    server: LiveServer
    database_url: str
    lead: dict[str, str]

    def sidebar(self, agent_no: str, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Connect a sidebar without a login, set its agent number, send the frames; the answers, in order."""
        with connect(self.server.url.replace("http", "ws") + "/ws/agent", open_timeout=10) as ws:
            answers = []
            for frame in [{"type": "profile", "agent_no": agent_no}, *frames]:
                ws.send(json.dumps(frame, ensure_ascii=False))
                answer = json.loads(ws.recv(timeout=10))
                while answer["type"] == "conversations":  # the agent's conversation list, after the profile
                    answer = json.loads(ws.recv(timeout=10))
                answers.append(answer)
            return answers[1:]


@pytest.fixture(scope="module", params=DATABASES)
def stats_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StatsServer]:
    """One server per database for the module; tests keep apart by using agent numbers of their own."""
    folder = tmp_path_factory.mktemp("stats")
    phrasebank = folder / "phrasebank"
    phrasebank.mkdir()
    (phrasebank / "tiny.yaml").write_text(TINY_PHRASEBANK, encoding="utf-8")
    with fresh_database(request.param, folder) as url:
        store = open_store(url, phrasebank)
        try:
            token = make_token(store, "test-lead", "lead")
        finally:
            store.dispose()
        env = {"COPILOT_DATABASE_URL": url, "COPILOT_PHRASEBANK_DIR": str(phrasebank)}
        server = LiveServer(folder, env=env).start()
        try:
            yield StatsServer(server, url, {"Authorization": f"Bearer {token}"})
        finally:
            server.stop()
