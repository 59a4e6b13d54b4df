"""One client cannot fill the conversation storage: sidebars and agent tokens have a conversation limit,
the chat platform (integration token) does not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from tests.conftest import make_settings, make_token

PLATFORM_TOKEN = "limits-platform-token"


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path, conversations_per_ip=2, conversations_per_agent=1, integration_token=PLATFORM_TOKEN
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_an_anonymous_sidebar_gets_a_chinese_error_past_its_conversation_limit(limited: TestClient) -> None:
    with limited.websocket_connect("/ws/agent") as ws:
        for conversation in ("c1", "c2", "c1"):
            ws.send_json({"type": "customer", "conversation": conversation, "text": "能开发票吗"})
            assert ws.receive_json()["type"] == "suggestions"
        ws.send_json({"type": "customer", "conversation": "c3", "text": "能开发票吗"})
        refused = ws.receive_json()
        assert refused["type"] == "error" and refused["code"] == "too_many_conversations"
        assert "地址 testclient" in refused["message"] and "上限（2 个）" in refused["message"]
        ws.send_json({"type": "sent", "conversation": "c4", "text": "亲，可以开发票的"})
        assert ws.receive_json()["code"] == "too_many_conversations"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}  # refused, not dropped


def test_an_agent_token_is_limited_and_the_platform_is_not(limited: TestClient) -> None:
    agent = {"Authorization": f"Bearer {make_token(limited.app.state.services.store, 'amy', 'agent')}"}  # type: ignore[attr-defined]
    body = {"role": "customer", "text": "在吗"}
    assert limited.post("/v1/conversations/a1/messages", json=body, headers=agent).status_code == 200
    refused = limited.post("/v1/conversations/a2/messages", json=body, headers=agent)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_conversations"
    assert "坐席 amy" in refused.json()["error"]["message"]
    platform = {"Authorization": f"Bearer {PLATFORM_TOKEN}"}
    for n in range(5):
        assert limited.post(f"/v1/conversations/p{n}/messages", json=body, headers=platform).status_code == 200
