"""POST /v1/suggest over HTTP, the CLI's suggest, and live updates after a phrase is saved."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from copilot.suggest.intents import INTENTS
from tests.conftest import RunCli


def test_suggest_answers_with_the_contract_shape(client: TestClient) -> None:
    body = client.post("/v1/suggest", json={"message": "能开发票吗?什么时候发货", "limit": 3}).json()
    assert set(body) == {"intents", "complaint_type", "suggestions", "hints"}
    assert {"invoice", "ship_time"} <= {i["id"] for i in body["intents"]}
    assert len(body["suggestions"]) == 3
    assert all(s["intent"] in INTENTS for s in body["suggestions"])


def test_history_and_values_are_used(client: TestClient) -> None:
    body = client.post(
        "/v1/suggest",
        json={
            "message": "那个呢",
            "history": [{"role": "customer", "text": "能开发票吗"}, {"role": "agent", "text": "可以的"}],
            "values": {"agent_no": "27"},
        },
    ).json()
    assert body["intents"][0]["id"] == "invoice"
    greeting = client.post("/v1/suggest", json={"message": "在吗", "values": {"agent_no": "27"}}).json()
    assert any("27号" in s["text"] for s in greeting["suggestions"])


def test_every_intent_is_answered_from_its_own_example_questions(client: TestClient) -> None:
    answered: dict[str, list[bool]] = {}
    for phrase in client.get("/v1/phrases").json():
        for example in phrase["examples"]:
            body = client.post("/v1/suggest", json={"message": example, "limit": 3}).json()
            answered.setdefault(phrase["intent"], []).append(phrase["id"] in {s["id"] for s in body["suggestions"]})
    assert set(answered) == set(INTENTS) - {"other"}
    rate = sum(map(sum, answered.values())) / sum(map(len, answered.values()))
    assert rate >= 0.97
    assert all(sum(hits) / len(hits) >= 0.8 for hits in answered.values())


def test_a_saved_phrase_is_suggested_at_once_and_a_disabled_one_never(lead_client: TestClient) -> None:
    client = lead_client
    created = client.post(
        "/v1/phrases",
        json={
            "title": "猫砂结团",
            "body": "亲,这款猫砂遇水三秒结团,清理很方便呢~",
            "intent": "product_info",
            "group": "售前",
            "shortcut": "msjt",
            "keywords": ["猫砂", "结团"],
            "examples": ["猫砂结团吗", "猫砂好不好铲", "結團快嗎"],
        },
    )
    assert created.status_code == 201
    phrase = created.json()
    found = client.post("/v1/suggest", json={"message": "这个猫砂结团快吗"}).json()
    assert found["suggestions"][0]["id"] == phrase["id"]
    client.put(f"/v1/phrases/{phrase['id']}", json={"version": phrase["version"], "enabled": False})
    again = client.post("/v1/suggest", json={"message": "这个猫砂结团快吗", "limit": 20}).json()
    assert phrase["id"] not in {s["id"] for s in again["suggestions"]}


def test_bad_requests_get_clear_errors(client: TestClient) -> None:
    assert client.post("/v1/suggest", json={"message": "好" * 8001}).status_code == 413
    assert client.post("/v1/suggest", json={}).status_code == 422
    bad_role = client.post("/v1/suggest", json={"message": "在吗", "history": [{"role": "boss", "text": "x"}]})
    assert bad_role.status_code == 422 and "history.0.role" in bad_role.json()["error"]["message"]
    assert client.post("/v1/suggest", json={"message": "在吗", "limit": 0}).status_code == 422
    surrogate = client.post(
        "/v1/suggest", content=b'{"message": "\\udc00"}', headers={"content-type": "application/json"}
    )
    assert surrogate.status_code == 422


def test_emoji_or_empty_messages_get_other(client: TestClient) -> None:
    for message in ["", "😀😀😀", "?!。"]:
        body = client.post("/v1/suggest", json={"message": message}).json()
        assert body["intents"] == [{"id": "other", "score": 1.0}] and body["suggestions"] == []


def test_cli_suggest_prints_human_and_json(tmp_path: Path, run_cli: RunCli) -> None:
    env = {"COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    code, out, _ = run_cli("suggest", "能开发票吗", env=env)
    assert code == 0 and "意图: 发票" in out and "1. " in out
    data = json.loads(run_cli("suggest", "--json", "/fp", env=env)[1])
    assert data["suggestions"] and all(s["shortcut"].startswith("fp") for s in data["suggestions"])
