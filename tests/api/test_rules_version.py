"""The rules version pages poll to re-lint: /healthz shows it, and every /v1/lint answer names the version
it was linted under, so a page knows its verdict is stale when a lead saved a rule anywhere."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_saved_rule_moves_the_version_healthz_and_lint_report(lead_client: TestClient) -> None:
    before = lead_client.get("/healthz").json()["rules_version"]
    linted = lead_client.post("/v1/lint", json={"text": "这款是秒杀价，错过等一年呢"})
    assert linted.headers["x-rules-version"] == str(before) and linted.json()["verdict"] == "ok"

    assert lead_client.post("/v1/rules", json={"kind": "forbid", "term": "错过等一年"}).status_code == 201
    after = lead_client.get("/healthz").json()["rules_version"]
    assert after > before
    relinted = lead_client.post("/v1/lint", json={"text": "这款是秒杀价，错过等一年呢"})
    assert relinted.headers["x-rules-version"] == str(after) and relinted.json()["verdict"] == "block"
