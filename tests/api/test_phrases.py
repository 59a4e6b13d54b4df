"""/v1/phrases over HTTP: the contract, conflicts, bad input that never gets a 500, import and export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from copilot.api.app import create_app
from tests.conftest import authorize, make_settings

NEW = {
    "title": "有赠品",
    "body": "亲，下单即送精美小礼品一份~",
    "intent": "promotion",
    "group": "售前",
    "shortcut": "zp1",
    "keywords": ["赠品"],
    "examples": ["有赠品吗", "送什么"],
}
FIELDS = {"id", "title", "body", "intent", "group", "shortcut", "keywords", "examples", "enabled", "version"}


def error_code(response: object) -> str:
    return response.json()["error"]["code"]  # type: ignore[attr-defined]


def test_list_without_parameters_is_every_phrase_in_one_array(api: TestClient) -> None:
    response = api.get("/v1/phrases")
    assert response.status_code == 200 and "x-total-count" not in response.headers
    body = response.json()
    assert [p["id"] for p in body] == ["invoice-01", "refund-01", "ship-01"]
    assert set(body[0]) == FIELDS and body[0]["keywords"] == ["发票", "开票"] and body[1]["enabled"] is False


def test_list_filters_and_pages_on_request(api: TestClient) -> None:
    assert [p["id"] for p in api.get("/v1/phrases", params={"q": "发货"}).json()] == ["ship-01"]
    assert [p["id"] for p in api.get("/v1/phrases", params={"intent": "refund"}).json()] == ["refund-01"]
    assert [p["id"] for p in api.get("/v1/phrases", params={"group": "售前"}).json()] == ["invoice-01"]
    page = api.get("/v1/phrases", params={"limit": 1, "offset": 1})
    assert [p["id"] for p in page.json()] == ["refund-01"] and page.headers["x-total-count"] == "3"
    bad = api.get("/v1/phrases", params={"intent": "nope"})
    assert bad.status_code == 422 and "可选: greeting" in bad.json()["error"]["message"]
    assert api.get("/v1/phrases", params={"limit": 0}).status_code == 422


def test_get_one_and_unknown_id(api: TestClient) -> None:
    assert api.get("/v1/phrases/ship-01").json()["shortcut"] == "fh1"
    missing = api.get("/v1/phrases/nope")
    assert missing.status_code == 404 and error_code(missing) == "phrase_not_found"
    assert "nope" in missing.json()["error"]["message"]


def test_create_update_delete(api: TestClient) -> None:
    created = api.post("/v1/phrases", json=NEW)
    assert created.status_code == 201
    phrase = created.json()
    assert created.headers["location"] == f"/v1/phrases/{phrase['id']}" and phrase["version"] == 1
    updated = api.put(f"/v1/phrases/{phrase['id']}", json={"version": 1, "title": "下单有礼"})
    assert updated.status_code == 200 and updated.json()["title"] == "下单有礼" and updated.json()["version"] == 2
    assert updated.json()["examples"] == NEW["examples"]  # fields not sent stay as they were
    assert api.delete(f"/v1/phrases/{phrase['id']}").status_code == 204
    assert api.get(f"/v1/phrases/{phrase['id']}").status_code == 404
    history = api.get(f"/v1/phrases/{phrase['id']}/history").json()
    assert [h["action"] for h in history] == ["create", "update", "delete"]


def test_stale_version_gets_409_with_the_current_phrase(api: TestClient) -> None:
    assert api.put("/v1/phrases/ship-01", json={"version": 1, "title": "甲改的"}).status_code == 200
    stale = api.put("/v1/phrases/ship-01", json={"version": 1, "title": "乙改的"})
    assert stale.status_code == 409 and error_code(stale) == "version_conflict"
    current = stale.json()["error"]["details"]["current"]
    assert current["title"] == "甲改的" and current["version"] == 2 and set(current) == FIELDS


def test_duplicate_shortcut_and_id_get_409_naming_the_other_phrase(api: TestClient) -> None:
    clash = api.post("/v1/phrases", json=NEW | {"shortcut": "FP1"})
    assert clash.status_code == 409 and clash.json()["error"]["details"] == {
        "field": "shortcut",
        "phrase_id": "invoice-01",
    }
    assert api.put("/v1/phrases/ship-01", json={"version": 1, "shortcut": "fp1"}).status_code == 409
    assert error_code(api.post("/v1/phrases", json=NEW | {"id": "ship-01", "shortcut": None})) == "id_taken"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"intent": "haggle"}, "intent", "可选: greeting"),
        ({"group": "售中后"}, "group", "可选: 售前、售中、售后"),
        ({"title": "长" * 61}, "title", "上限 60 个字符"),
        ({"body": ""}, "body", "不能为空"),
        ({"keywords": [f"词{i}" for i in range(31)]}, "keywords", "最多 30 项"),
        ({"examples": ["问" * 201]}, "examples", "上限 200 个字符"),
        ({"shortcut": "快捷"}, "shortcut", "只能由字母、数字"),
        ({"colour": "red"}, "colour", "未知字段"),
    ],
)
def test_invalid_phrases_get_422_naming_the_field(
    api: TestClient, change: dict[str, object], field: str, reason: str
) -> None:
    response = api.post("/v1/phrases", json=NEW | change)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert details[0]["field"] == field and reason in details[0]["reason"]


def test_lone_surrogates_get_422_naming_the_field(api: TestClient) -> None:
    raw = '{"title": "x\\ud800", "body": "亲", "intent": "other", "group": "售前"}'
    response = api.post("/v1/phrases", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422 and "title" in response.json()["error"]["message"]
    put = api.put(
        "/v1/phrases/ship-01", content='{"version": 1, "body": "\\udfff"}', headers={"content-type": "application/json"}
    )
    assert put.status_code == 422 and put.json()["error"]["details"][0]["field"] == "body"


def test_nul_bytes_and_odd_ids_never_reach_the_database(api: TestClient) -> None:
    assert api.get("/v1/phrases", params={"q": "\x00发票"}).json()[0]["id"] == "invoice-01"
    assert api.get("/v1/phrases/a%00b").status_code == 404
    assert api.put("/v1/phrases/%00", json={"version": 1}).status_code == 404
    assert api.post("/v1/phrases", json=NEW | {"body": "a\x00b"}).status_code == 422
    assert api.post("/v1/phrases", json=NEW | {"id": "a\x00b"}).status_code == 422


def test_html_in_a_body_is_stored_and_returned_verbatim(api: TestClient) -> None:
    body = '<script>alert("x")</script><img src=x onerror=1>'
    created = api.post("/v1/phrases", json=NEW | {"body": body}).json()
    assert api.get(f"/v1/phrases/{created['id']}").json()["body"] == body


def test_writes_need_a_lead_and_record_who_made_them(api: TestClient) -> None:
    token = api.headers.pop("Authorization")
    writes = (
        lambda: api.post("/v1/phrases", json=NEW),
        lambda: api.delete("/v1/phrases/ship-01"),
        lambda: api.put("/v1/phrases/ship-01", json={"version": 1}),
        lambda: api.post("/v1/phrases/import", files={"file": ("a.csv", b"x")}),
    )
    assert api.get("/v1/phrases").status_code == 200
    for write in writes:
        response = write()
        assert response.status_code == 401 and error_code(response) == "login_required"
    authorize(api, "agent")
    for write in writes:
        response = write()
        assert response.status_code == 403 and "主管(lead)" in response.json()["error"]["message"]
    api.headers["Authorization"] = token
    assert api.delete("/v1/phrases/ship-01").status_code == 204
    assert api.get("/v1/phrases/ship-01/history").json()[-1]["changed_by"] == "test-lead"


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("yaml", "application/yaml"), ("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")],
)
def test_export_then_import_changes_nothing(api: TestClient, fmt: str, content_type: str) -> None:
    exported = api.get("/v1/phrases/export", params={"format": fmt})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith(content_type)
    assert exported.headers["content-disposition"].startswith('attachment; filename="phrasebank-')
    assert exported.headers["content-disposition"].endswith(f'.{fmt}"')
    imported = api.post("/v1/phrases/import", files={"file": (f"back.{fmt}", exported.content)})
    assert imported.status_code == 200
    assert imported.json()["summary"] == "新增 0 条，更新 0 条，未变 3 条"


def test_csv_export_has_a_bom_and_the_qianniu_columns_first(api: TestClient) -> None:
    content = api.get("/v1/phrases/export", params={"format": "csv"}).content
    assert content.startswith("\ufeff分组,快捷编码,短语内容,标题,意图,关键词,示例问题,启用,ID".encode())
    sheet = load_workbook(io.BytesIO(api.get("/v1/phrases/export?format=xlsx").content)).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["分组", "快捷编码", "短语内容"]


def test_import_preview_then_import(api: TestClient) -> None:
    data = "分组,快捷编码,短语内容,意图\n售后,th1,亲，退货请联系客服~,return_exchange\n".encode("gb18030")
    preview = api.post("/v1/phrases/import?dry_run=true", files={"file": ("team.csv", data)})
    assert preview.status_code == 200 and preview.json()["dry_run"] is True and len(preview.json()["added"]) == 1
    assert len(api.get("/v1/phrases").json()) == 3
    done = api.post("/v1/phrases/import", files={"file": ("team.csv", data)}).json()
    assert done["summary"] == "新增 1 条，更新 0 条，未变 0 条" and done["phrasebank_version"] == 2
    assert len(api.get("/v1/phrases").json()) == 4


def test_a_bad_import_is_refused_whole_with_rows_and_reasons(api: TestClient) -> None:
    data = "分组,快捷编码,短语内容,意图\n售后,th1,亲，好的~,return_exchange\n售后,th2,亲~,shipping\n".encode()
    response = api.post("/v1/phrases/import", files={"file": ("team.csv", data)})
    assert response.status_code == 422 and error_code(response) == "import_invalid"
    error = response.json()["error"]
    assert error["message"].startswith("导入失败，未做任何修改 — 第 3 行 意图: 意图 'shipping' 不存在")
    assert error["details"]["errors"][0]["row"] == 3 and error["details"]["errors"][0]["column"] == "意图"
    assert len(api.get("/v1/phrases").json()) == 3


@pytest.mark.parametrize(
    ("filename", "data", "query", "expected"),
    [
        ("phrases.xlsx", b"not a workbook", "", "不是有效的 xlsx 文件"),
        ("phrases.csv", b"\x81\x30\xff\xff,\xe9\n", "", "无法识别文件编码"),
        ("phrases.txt", b"x", "", "不支持的文件类型 .txt,支持: .yaml、.yml、.csv、.xlsx"),
        ("phrases.bin", b"x", "?format=docx", "不支持的格式 'docx'"),
        ("phrases.yaml", b"phrases: [unclosed", "", "YAML 格式错误"),
        ("phrases.yaml", b"\xff\xfe\x00", "", "不是 UTF-8 编码"),
    ],
)
def test_unreadable_files_get_a_clear_422(
    api: TestClient, filename: str, data: bytes, query: str, expected: str
) -> None:
    response = api.post(f"/v1/phrases/import{query}", files={"file": (filename, data)})
    assert response.status_code == 422 and expected in response.json()["error"]["message"]
    assert response.json()["error"]["details"]["errors"][0]["reason"]


def test_import_without_a_file_names_the_field(api: TestClient) -> None:
    response = api.post("/v1/phrases/import")
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "file"


def test_deleting_the_last_phrases_never_fails_and_the_service_still_starts(
    tmp_path: Path, database_url: str, phrasebank_dir: Path
) -> None:
    settings = make_settings(tmp_path, database_url=database_url, phrasebank_dir=phrasebank_dir)
    with TestClient(create_app(settings)) as api:
        authorize(api, "lead")
        for phrase_id, left in (("invoice-01", ["ship-01"]), ("ship-01", []), ("refund-01", [])):
            assert api.delete(f"/v1/phrases/{phrase_id}").status_code == 204
            answer = api.post("/v1/suggest", json={"message": "能开发票吗?什么时候发货"})
            assert answer.status_code == 200
            assert [s["id"] for s in answer.json()["suggestions"]] == left
            # the intent model still reads the customer, with or without a phrase to offer
            assert {"invoice", "ship_time"} <= {i["id"] for i in answer.json()["intents"]}
        assert api.get("/v1/phrases").json() == []
        token = api.headers["Authorization"]
    with TestClient(create_app(settings)) as restarted:
        answer = restarted.post("/v1/suggest", json={"message": "什么时候发货"})
        assert answer.status_code == 200 and answer.json()["suggestions"] == []
        assert answer.json()["intents"][0]["id"] == "ship_time"
        restarted.headers["Authorization"] = token
        assert restarted.post("/v1/phrases", json=NEW).status_code == 201
        assert restarted.post("/v1/suggest", json={"message": "有赠品吗"}).json()["suggestions"][0]["title"] == "有赠品"
