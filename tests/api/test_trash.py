"""GET /v1/trash/phrases: the recycle bin lists deleted phrases, as they were, until they are restored."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_deleted_phrases_are_listed_newest_first_and_leave_the_bin_when_restored(api: TestClient) -> None:
    assert api.get("/v1/trash/phrases").json() == []
    ship = api.get("/v1/phrases/ship-01").json()
    edited = api.put("/v1/phrases/ship-01", json={"version": ship["version"], "title": "发货时间（改）"}).json()
    assert api.delete(f"/v1/phrases/ship-01?version={edited['version']}").status_code == 204
    assert api.delete("/v1/phrases/invoice-01").status_code == 204

    binned = api.get("/v1/trash/phrases").json()
    assert [p["id"] for p in binned] == ["invoice-01", "ship-01"]
    assert binned[1]["title"] == "发货时间（改）" and binned[1]["version"] == edited["version"]
    assert binned[1]["body"] == ship["body"] and binned[1]["deleted_at"]
    assert api.get("/v1/trash/phrases", params={"limit": 1}).json()[0]["id"] == "invoice-01"

    restored = api.post("/v1/phrases/ship-01/restore", json={"version": binned[1]["version"]})
    assert restored.status_code == 200 and restored.json()["title"] == "发货时间（改）"
    assert [p["id"] for p in api.get("/v1/trash/phrases").json()] == ["invoice-01"]
    # deleted again later: back in the bin, as it was at that second deletion
    assert api.delete("/v1/phrases/ship-01").status_code == 204
    assert [p["id"] for p in api.get("/v1/trash/phrases").json()] == ["ship-01", "invoice-01"]


def test_a_bad_limit_is_a_422_not_a_500(api: TestClient) -> None:
    assert api.get("/v1/trash/phrases", params={"limit": 0}).status_code == 422
    assert api.get("/v1/trash/phrases", params={"limit": "x"}).status_code == 422
