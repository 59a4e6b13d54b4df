"""/v1/rules: shop rules over the default packs — CRUD, conflicts, refusals before saving, live effect."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from copilot.lint import load_rules
from tests.conftest import RULES_DIR


def lint(api: TestClient, text: str) -> dict[str, Any]:
    return api.post("/v1/lint", json={"text": text}).json()


def rules_hit(api: TestClient, text: str) -> list[str]:
    return [d["rule"] for d in lint(api, text)["diagnostics"]]


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def test_list_shows_every_default_rule_then_the_shop_rules(api: TestClient) -> None:
    before = api.get("/v1/rules").json()
    assert all(r["source"] == "default" for r in before)
    insult = next(r for r in before if r["id"] == "courtesy.insult-word")
    assert insult["pack"] == "courtesy" and insult["kind"] == "forbid" and insult["enabled"] is True
    assert insult["version"] == 0 and "滚" in insult["terms"] and insult["term_count"] >= len(insult["terms"])
    created = api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})
    assert created.status_code == 201 and created.headers["location"] == "/v1/rules/shop.1"
    rule = created.json()
    assert rule["id"] == "shop.1" and rule["source"] == "shop" and rule["version"] == 1
    assert rule["severity"] == "error" and rule["message"] == "本店禁用语，请勿发送" and rule["replacements"] == []
    after = api.get("/v1/rules").json()
    assert after[: len(before)] == before and after[-1]["id"] == "shop.1"
    assert api.get("/v1/rules/shop.1").json()["term"] == "亲爱滴"
    assert api.get("/v1/rules/courtesy.insult-word").json()["source"] == "default"


def test_a_forbidden_word_blocks_at_once_in_lint_and_languagetool(api: TestClient) -> None:
    assert lint(api, "亲爱滴,在的")["verdict"] == "ok"
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴", "message": "别这么叫顾客"})
    found = lint(api, "亲 爱 滴,在的")  # normalised like every default rule
    assert found["verdict"] == "block"
    assert found["diagnostics"][0] == {
        "rule": "shop.1",
        "severity": "error",
        "message": "别这么叫顾客",
        "start": 0,
        "end": 5,
        "text": "亲 爱 滴",
        "replacements": [],
        "category": "custom",
    }
    check = api.post("/v2/check", data={"text": "亲爱滴,在的", "language": "zh-CN"}).json()
    assert [m["rule"]["id"] for m in check["matches"]] == ["shop.1"]


def test_a_substitution_offers_its_replacements_as_the_fix(api: TestClient) -> None:
    response = api.post(
        "/v1/rules",
        json={"kind": "substitute", "term": "等一下", "replacements": ["请您稍候", "马上"], "severity": "info"},
    )
    assert response.status_code == 201 and response.json()["severity"] == "info"
    found = lint(api, "等一下哈")
    assert found["diagnostics"][0]["replacements"] == ["请您稍候", "马上"] and found["fixed"] == "请您稍候哈"
    assert found["verdict"] == "ok"  # info never holds a reply back


def test_an_allow_term_silences_a_default_rule(api: TestClient) -> None:
    assert "style.bu-words" in rules_hit(api, "不好意思,请稍等")
    created = api.post("/v1/rules", json={"kind": "allow", "term": "不好意思", "replacements": []})
    assert created.status_code == 201
    assert rules_hit(api, "不好意思,请稍等") == []
    assert "style.polite-pronoun" in rules_hit(api, "不好意思,你稍等")  # only that span is allowed


def test_a_regex_rule_hits_on_the_normalised_view(api: TestClient) -> None:
    created = api.post("/v1/rules", json={"kind": "regex", "term": r"满[0-9]+减", "message": "活动以页面为准"})
    assert created.status_code == 201
    assert rules_hit(api, "现在满１００减２０呢") == ["shop.1"]


def test_an_invalid_regex_is_refused_with_the_reason_before_saving(api: TestClient) -> None:
    bad = api.post("/v1/rules", json={"kind": "regex", "term": "好评(返"})
    assert bad.status_code == 422 and error(bad)["code"] == "invalid_rule"
    assert error(bad)["message"].endswith("第 3 个字符处，左括号“(”没有对应的右括号“)”")
    assert error(bad)["details"][0]["field"] == "term"
    backtracking = api.post("/v1/rules", json={"kind": "regex", "term": r"(亲)\1"})  # RE2 cannot run it
    assert backtracking.status_code == 422 and "反向引用" in error(backtracking)["message"]
    assert all(r["source"] == "default" for r in api.get("/v1/rules").json())
    assert api.get("/v1/rules/shop.1/history").status_code == 404


def test_rules_that_could_never_work_are_refused(api: TestClient) -> None:
    no_swap = api.post("/v1/rules", json={"kind": "substitute", "term": "不行"})
    assert no_swap.status_code == 422 and "至少要有一个替换词" in error(no_swap)["message"]
    allow_swap = api.post("/v1/rules", json={"kind": "allow", "term": "不客气", "replacements": ["x"]})
    assert allow_swap.status_code == 422 and "不需要替换词" in error(allow_swap)["message"]
    blank = api.post("/v1/rules", json={"kind": "forbid", "term": "\u200b\u200c"})
    assert blank.status_code == 422 and "匹配不到任何内容" in error(blank)["message"]
    kind = api.post("/v1/rules", json={"kind": "pronoun", "term": "你"})
    assert kind.status_code == 422 and "forbid" in error(kind)["message"]


def test_bad_bodies_get_a_specific_answer_never_a_500(api: TestClient) -> None:
    cases: list[tuple[Any, str]] = [
        ([1, 2], "请求体"),
        ({"kind": "forbid"}, "term"),
        ({"kind": "forbid", "term": 3}, "term"),
        ({"kind": "forbid", "term": "x" * 101}, "词条过长"),
        ({"kind": "forbid", "term": "好", "colour": "red"}, "colour"),
        ({"kind": "forbid", "term": "好\x00"}, "控制字符"),
        ({"kind": "forbid", "term": "好", "severity": "fatal"}, "error"),
        ({"kind": "substitute", "term": "好", "replacements": [str(i) for i in range(11)]}, "最多 10 个"),
    ]
    for body, needle in cases:
        response = api.post("/v1/rules", json=body)
        assert response.status_code == 422, body
        assert needle in error(response)["message"], (body, error(response)["message"])
    assert api.post("/v1/rules", content=b"{", headers={"content-type": "application/json"}).status_code == 422
    assert api.put("/v1/rules/shop.1", json={"version": 1}).status_code == 404
    assert api.get("/v1/rules/a%00b").status_code == 404
    assert api.put("/v1/rules/style.particle", json=["enabled"]).status_code == 422


def test_a_duplicate_term_of_the_same_kind_is_a_conflict(api: TestClient) -> None:
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})
    again = api.post("/v1/rules", json={"kind": "forbid", "term": "親 愛 滴"})  # same once normalised
    assert again.status_code == 409 and error(again)["code"] == "duplicate_rule"
    assert error(again)["details"]["rule_id"] == "shop.1" and "shop.1" in error(again)["message"]
    assert api.post("/v1/rules", json={"kind": "allow", "term": "亲爱滴"}).status_code == 201
    other = api.post("/v1/rules", json={"kind": "forbid", "term": "宝宝"}).json()
    moved = api.put(f"/v1/rules/{other['id']}", json={"version": 1, "term": "亲爱滴"})
    assert moved.status_code == 409 and error(moved)["code"] == "duplicate_rule"


def test_the_second_save_from_a_stale_page_gets_409_with_the_current_rule(api: TestClient) -> None:
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})
    first = api.put("/v1/rules/shop.1", json={"version": 1, "message": "甲改的"})
    assert first.status_code == 200 and first.json()["version"] == 2 and first.json()["term"] == "亲爱滴"
    stale = api.put("/v1/rules/shop.1", json={"version": 1, "message": "乙改的"})
    assert stale.status_code == 409 and error(stale)["code"] == "version_conflict"
    current = error(stale)["details"]["current"]
    assert current["message"] == "甲改的" and current["version"] == 2 and "版本 2" in error(stale)["message"]
    unchanged = api.put("/v1/rules/shop.1", json={"version": 2, "message": "甲改的"})
    assert unchanged.json()["version"] == 2  # nothing changed, no new version
    kind = api.put("/v1/rules/shop.1", json={"version": 2, "kind": "allow"})
    assert kind.status_code == 422 and "不能修改" in error(kind)["message"]
    null = api.put("/v1/rules/shop.1", json={"version": 2, "term": None})
    assert null.status_code == 422


def test_editing_and_deleting_a_shop_rule_changes_lint_at_once(api: TestClient) -> None:
    api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"})
    api.put("/v1/rules/shop.1", json={"version": 1, "severity": "warning", "replacements": ["亲"]})
    found = lint(api, "亲爱滴")
    assert found["verdict"] == "warn" and found["fixed"] == "亲"
    api.put("/v1/rules/shop.1", json={"version": 2, "enabled": False})
    assert rules_hit(api, "亲爱滴") == []
    assert api.delete("/v1/rules/shop.1", params={"version": 2}).status_code == 409
    assert api.delete("/v1/rules/shop.1").status_code == 204
    assert api.get("/v1/rules/shop.1").status_code == 404
    assert api.post("/v1/rules", json={"kind": "forbid", "term": "宝宝"}).json()["id"] == "shop.2"  # never reused


def test_switching_a_default_rule_off_changes_lint_at_once(api: TestClient) -> None:
    assert "style.polite-pronoun" in rules_hit(api, "你好")
    off = api.put("/v1/rules/style.polite-pronoun", json={"enabled": False})
    assert off.status_code == 200
    assert (
        off.json().items()
        >= {"id": "style.polite-pronoun", "enabled": False, "pack_enabled": True, "version": 1}.items()
    )
    assert "style.polite-pronoun" not in rules_hit(api, "你好")
    # every default rule but the allow list (no check of its own) and the one just switched off
    assert api.get("/healthz").json()["rules"] == len(load_rules([RULES_DIR])) - 2
    listed = next(r for r in api.get("/v1/rules").json() if r["id"] == "style.polite-pronoun")
    assert listed["enabled"] is False and listed["version"] == 1
    stale = api.put("/v1/rules/style.polite-pronoun", json={"enabled": True, "version": 0})
    assert stale.status_code == 409 and error(stale)["details"]["current"]["version"] == 1
    assert api.put("/v1/rules/style.polite-pronoun", json={"enabled": True, "version": 1}).json()["version"] == 2
    assert "style.polite-pronoun" in rules_hit(api, "你好")


def test_a_default_rule_is_switched_never_edited_or_deleted(api: TestClient) -> None:
    edit = api.put("/v1/rules/style.particle", json={"enabled": True, "message": "改一下"})
    assert edit.status_code == 422 and error(edit)["code"] == "default_rule_readonly"
    assert "新建一条店铺规则" in error(edit)["message"]
    delete = api.delete("/v1/rules/style.particle")
    assert delete.status_code == 409 and "停用" in error(delete)["message"]
    unknown = api.put("/v1/rules/style.nope", json={"enabled": False})
    assert unknown.status_code == 404 and error(unknown)["code"] == "rule_not_found"


def test_reading_is_open_and_writing_needs_a_lead(api: TestClient) -> None:
    anonymous = {"Authorization": ""}
    assert api.get("/v1/rules", headers=anonymous).status_code == 200
    refused = api.post("/v1/rules", json={"kind": "forbid", "term": "亲爱滴"}, headers=anonymous)
    assert refused.status_code == 401 and "登录" in error(refused)["message"]
    assert api.put("/v1/rules/style.particle", json={"enabled": False}, headers=anonymous).status_code == 401
