"""Clean phrases over HTTP: a body the rules block needs `force` (recorded in history), suggestions mark
blocked phrases and never put them first, and what GET returns can be PUT back (phrases and rules)."""

from __future__ import annotations

from fastapi.testclient import TestClient

DIRTY = "不好意思，你明天一定到，加我微信kefu888"
NEW = {
    "title": "催发货",
    "body": "亲，付款后48小时内为您安排发货哦~",
    "intent": "ship_time",
    "group": "售中",
    "examples": ["什么时候发货", "怎么还没发货"],
    "keywords": ["发货"],
}


def test_a_blocked_body_is_refused_with_its_problems_in_chinese(api: TestClient) -> None:
    refused = api.post("/v1/phrases", json=NEW | {"body": DIRTY})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "phrase_blocked"
    assert "明天一定到" in error["message"] and "加我微信" in error["message"] and "仍然保存" in error["message"]
    assert "promise." not in error["message"] and "contact." not in error["message"]  # no rule ids for people
    problems = error["details"]["problems"]
    assert [p["text"] for p in problems] == ["明天一定到", "加我微信"] and all(p["message"] for p in problems)
    assert len(api.get("/v1/phrases").json()) == 3


def test_force_saves_and_the_history_records_what_was_overridden(api: TestClient) -> None:
    created = api.post("/v1/phrases", json=NEW | {"body": DIRTY, "force": True})
    assert created.status_code == 201 and "force" not in created.json()
    phrase = created.json()
    # a title change leaves the body alone: not held up again
    retitled = api.put(f"/v1/phrases/{phrase['id']}", json={"version": 1, "title": "改个标题"})
    assert retitled.status_code == 200
    # a new body that is still blocked needs force again
    dirtier = api.put(f"/v1/phrases/{phrase['id']}", json={"version": 2, "body": DIRTY + "，你放心"})
    assert dirtier.status_code == 422 and dirtier.json()["error"]["code"] == "phrase_blocked"
    clean = api.put(f"/v1/phrases/{phrase['id']}", json={"version": 2, "body": NEW["body"]})
    assert clean.status_code == 200
    history = api.get(f"/v1/phrases/{phrase['id']}/history").json()
    assert [h["action"] for h in history] == ["create", "update", "update"]
    assert [p["text"] for p in history[0]["overridden"]] == ["明天一定到", "加我微信"]
    assert history[1]["overridden"] is None and history[2]["overridden"] is None


def test_suggestions_mark_blocked_phrases_and_never_rank_them_first(api: TestClient) -> None:
    dirty = api.post(
        "/v1/phrases",
        json=NEW
        | {
            "body": "亲，明天一定到，放心吧~",
            "shortcut": "fh2",
            "examples": ["什么时候发货呀", "怎么还没发货", "什么时候发"],
            "keywords": ["发货", "什么时候发"],
            "force": True,
        },
    ).json()
    answer = api.post("/v1/suggest", json={"message": "什么时候发货呀"}).json()["suggestions"]
    marks = {s["id"]: s["blocked"] for s in answer}
    assert marks[dirty["id"]] is True and marks["ship-01"] is False
    assert answer[0]["blocked"] is False
    # a shop rule that forbids the clean phrase's words re-marks it once the rules change
    rule = api.post(
        "/v1/rules", json={"kind": "forbid", "term": "48小时内", "severity": "error", "message": "不要承诺具体时效"}
    )
    assert rule.status_code == 201
    after = {
        s["id"]: s["blocked"] for s in api.post("/v1/suggest", json={"message": "什么时候发货呀"}).json()["suggestions"]
    }
    assert after["ship-01"] is True


def test_a_phrase_read_with_get_can_be_put_back_unchanged(api: TestClient) -> None:
    phrase = api.get("/v1/phrases/ship-01").json()
    same = api.put("/v1/phrases/ship-01", json=phrase)
    assert same.status_code == 200 and same.json() == phrase  # nothing changed: no new version
    edited = api.put("/v1/phrases/ship-01", json=phrase | {"title": "发货时效"})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    other = api.put("/v1/phrases/ship-01", json=edited.json() | {"id": "invoice-01"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "id_mismatch"
    assert "invoice-01" in other.json()["error"]["message"] and "ship-01" in other.json()["error"]["message"]


def test_a_rule_read_with_get_can_be_put_back_unchanged(api: TestClient) -> None:
    created = api.post(
        "/v1/rules", json={"kind": "forbid", "term": "亲爱滴", "severity": "warning", "message": "称呼请用“亲”"}
    ).json()
    rule = api.get(f"/v1/rules/{created['id']}").json()
    same = api.put(f"/v1/rules/{rule['id']}", json=rule)
    assert same.status_code == 200 and same.json()["version"] == rule["version"]
    changed = api.put(f"/v1/rules/{rule['id']}", json=rule | {"message": "称呼请用“亲”或“您”"})
    assert changed.status_code == 200 and changed.json()["version"] == rule["version"] + 1
    other = api.put(f"/v1/rules/{rule['id']}", json=changed.json() | {"id": "shop-nope"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "id_mismatch"
    assert "shop-nope" in other.json()["error"]["message"] and rule["id"] in other.json()["error"]["message"]

    default = next(r for r in api.get("/v1/rules").json() if r["source"] == "default")
    echoed = api.put(f"/v1/rules/{default['id']}", json=default)
    assert echoed.status_code == 200 and echoed.json()["enabled"] == default["enabled"]
    switched = api.put(f"/v1/rules/{default['id']}", json=echoed.json() | {"enabled": False})
    assert switched.status_code == 200 and switched.json()["enabled"] is False
    edited = api.put(f"/v1/rules/{default['id']}", json=switched.json() | {"message": "改提示语"})
    assert edited.status_code == 422 and edited.json()["error"]["code"] == "default_rule_readonly"
