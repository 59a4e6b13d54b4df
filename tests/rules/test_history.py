"""History and restore: every change to a rule or phrase is kept, and any earlier version comes back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def lint_rules(api: TestClient, text: str) -> list[str]:
    return [d["rule"] for d in api.post("/v1/lint", json={"text": text}).json()["diagnostics"]]


def test_every_rule_change_is_kept_with_who_when_before_and_after(api: TestClient) -> None:
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})
    api.put("/v1/rules/shop.1", json={"version": 1, "term": "宝宝"})
    api.delete("/v1/rules/shop.1")
    history = api.get("/v1/rules/shop.1/history").json()
    assert [(h["action"], h["version"]) for h in history] == [("create", 1), ("update", 2), ("delete", 3)]
    assert history[0]["before"] is None and history[0]["after"]["term"] == "亲爱滴"
    assert history[1]["before"]["term"] == "亲爱滴" and history[1]["after"]["term"] == "宝宝"
    assert history[2]["after"] is None and all(h["changed_by"] == "test-lead" and h["changed_at"] for h in history)


def test_a_deleted_rule_comes_back_as_a_new_version_of_an_earlier_one(api: TestClient) -> None:
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})
    api.put("/v1/rules/shop.1", json={"version": 1, "term": "宝宝"})
    api.delete("/v1/rules/shop.1")
    assert lint_rules(api, "亲爱滴") == []
    restored = api.post("/v1/rules/shop.1/restore", json={"version": 1})
    assert restored.status_code == 200
    assert restored.json()["term"] == "亲爱滴" and restored.json()["version"] == 4
    assert lint_rules(api, "亲爱滴") == ["shop.1"]
    again = api.post("/v1/rules/shop.1/restore", json={"version": 2})
    assert again.json()["term"] == "宝宝" and again.json()["version"] == 5
    assert [h["action"] for h in api.get("/v1/rules/shop.1/history").json()][-2:] == ["restore", "restore"]


def test_restoring_a_version_that_is_not_there_or_clashes_is_refused(api: TestClient) -> None:
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})
    missing = api.post("/v1/rules/shop.1/restore", json={"version": 7})
    assert missing.status_code == 404 and error(missing)["code"] == "version_not_found"
    assert error(missing)["details"]["versions"] == [1] and "可恢复的版本: 1" in error(missing)["message"]
    assert api.post("/v1/rules/shop.9/restore", json={"version": 1}).status_code == 404
    assert api.post("/v1/rules/shop.1/restore", json={"version": 0}).status_code == 422
    api.put("/v1/rules/shop.1", json={"version": 1, "term": "宝宝"})
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})  # shop.2 takes the old term
    clash = api.post("/v1/rules/shop.1/restore", json={"version": 1})
    assert clash.status_code == 409 and error(clash)["details"]["rule_id"] == "shop.2"


def test_a_default_rule_switch_has_history_and_can_be_restored(api: TestClient) -> None:
    assert api.get("/v1/rules/style.particle/history").json() == []
    api.put("/v1/rules/style.particle", json={"enabled": False})
    api.put("/v1/rules/style.particle", json={"enabled": True})
    history = api.get("/v1/rules/style.particle/history").json()
    assert [(h["before"]["enabled"], h["after"]["enabled"]) for h in history] == [(True, False), (False, True)]
    restored = api.post("/v1/rules/style.particle/restore", json={"version": 1})
    assert restored.json()["enabled"] is False and restored.json()["version"] == 3
    assert "style.particle" not in lint_rules(api, "好的哦")
    assert api.get("/v1/rules/style.nope/history").status_code == 404


def test_a_phrase_comes_back_as_it_was_even_after_a_delete(api: TestClient) -> None:
    api.put("/v1/phrases/ship-01", json={"version": 1, "title": "改过的标题", "shortcut": "fh9"})
    restored = api.post("/v1/phrases/ship-01/restore", json={"version": 1})
    assert restored.status_code == 200
    assert restored.json()["title"] == "发货时间" and restored.json()["shortcut"] == "fh1"
    assert restored.json()["version"] == 3
    assert api.delete("/v1/phrases/ship-01").status_code == 204
    back = api.post("/v1/phrases/ship-01/restore", json={"version": 2})
    assert back.status_code == 200 and back.json()["title"] == "改过的标题" and back.json()["version"] == 5
    assert api.get("/v1/phrases/ship-01").json()["version"] == 5
    history = api.get("/v1/phrases/ship-01/history").json()
    assert [h["action"] for h in history] == ["create", "update", "restore", "delete", "restore"]
    suggested = api.post("/v1/suggest", json={"message": "什么时候发货"}).json()["suggestions"]
    assert suggested[0]["id"] == "ship-01"


def test_restoring_a_phrase_refuses_clashes_and_unknown_versions(api: TestClient) -> None:
    api.put("/v1/phrases/ship-01", json={"version": 1, "shortcut": "fh9"})
    api.put("/v1/phrases/invoice-01", json={"version": 1, "shortcut": "fh1"})
    clash = api.post("/v1/phrases/ship-01/restore", json={"version": 1})
    assert clash.status_code == 409 and error(clash)["code"] == "shortcut_taken"
    missing = api.post("/v1/phrases/ship-01/restore", json={"version": 9})
    assert missing.status_code == 404 and error(missing)["details"]["versions"] == [1, 2]
    assert api.post("/v1/phrases/nope/restore", json={"version": 1}).status_code == 404
    assert api.post("/v1/phrases/ship-01/restore", json={"version": "x"}).status_code == 422
    same = api.post("/v1/phrases/ship-01/restore", json={"version": 2})
    assert same.json()["version"] == 2  # already as it was: no new version
