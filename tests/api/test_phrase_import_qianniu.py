"""Importing a real 千牛 sheet over HTTP: Chinese intent labels, merge or replace, a field-by-field diff,
one error per row, rows the rules block, and a CSV export that stays text in Excel and comes back intact."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from copilot.csvcell import escape_cell, unescape_cell

HEADER = "分组,快捷编码,短语内容,意图,关键词,示例问题\n"


def upload(
    api: TestClient, text: str, *, dry_run: bool = False, encoding: str = "gb18030", **form: str
) -> dict[str, object]:
    query = "?dry_run=true" if dry_run else ""
    response = api.post(f"/v1/phrases/import{query}", files={"file": ("千牛.csv", text.encode(encoding))}, data=form)
    return {"status": response.status_code, **response.json()}


def test_chinese_intent_labels_are_read_as_intent_ids(api: TestClient) -> None:
    sheet = (
        HEADER
        + "售后,th1,亲，退货请在订单页申请哦~,退换货,,\n"
        + "售中,cf1,亲，已为您催促仓库尽快发出~,发货时间/催发货,,\n"
        + "售中,cf2,亲，仓库正在打包~,催发货,,\n"
        + "售前,zp1,亲，下单送小礼品~,promotion,,\n"
    )
    done = upload(api, sheet)
    assert done["status"] == 200 and len(done["added"]) == 4  # type: ignore[arg-type]
    intents = {p["shortcut"]: p["intent"] for p in api.get("/v1/phrases").json()}
    assert (intents["th1"], intents["cf1"], intents["cf2"], intents["zp1"]) == (
        "return_exchange",
        "ship_time",
        "ship_time",
        "promotion",
    )


def test_keywords_and_examples_merge_by_default_and_replace_on_request(api: TestClient) -> None:
    sheet = HEADER + (
        "售中,fh1,亲，付款后48小时内为您安排发货，请您耐心等待~,发货时间/催发货,发货|催单,怎么还没发|几号发货\n"
    )
    preview = upload(api, sheet, dry_run=True)
    assert preview["status"] == 200 and preview["updated"] == ["ship-01"]
    [change] = preview["changes"]  # type: ignore[misc]
    fields = {f["field"]: (f["before"], f["after"]) for f in change["fields"]}
    assert fields == {
        "body": ("亲,付款后48小时内为您安排发货,请您耐心等待~", "亲，付款后48小时内为您安排发货，请您耐心等待~"),
        "keywords": (["发货", "什么时候发"], ["发货", "什么时候发", "催单"]),
        "examples": (["什么时候发货", "怎么还没发"], ["什么时候发货", "怎么还没发", "几号发货"]),
    }
    assert {f["label"] for f in change["fields"]} == {"短语内容", "关键词", "示例问题"}
    assert api.get("/v1/phrases/ship-01").json()["version"] == 1  # a preview writes nothing
    assert upload(api, sheet)["status"] == 200
    assert api.get("/v1/phrases/ship-01").json()["keywords"] == ["发货", "什么时候发", "催单"]
    replaced = upload(api, sheet, replace="true")
    assert replaced["status"] == 200 and replaced["replace"] is True
    stored = api.get("/v1/phrases/ship-01").json()
    assert stored["keywords"] == ["发货", "催单"] and stored["examples"] == ["怎么还没发", "几号发货"]


def test_each_bad_row_gets_one_error_in_chinese(api: TestClient) -> None:
    sheet = (
        HEADER
        + "售前,ok1,亲，在的~,问候,,\n"
        + "特价,xx1,亲~,不存在的意图,,\n"  # two problems in one row: one error
        + "售前,,,退换货,,\n"
    )
    refused = upload(api, sheet)
    assert refused["status"] == 422
    errors = refused["error"]["details"]["errors"]  # type: ignore[index]
    assert [e["row"] for e in errors] == [3, 4]
    assert errors[0]["column"] == "意图、分组"
    assert "不存在的意图" in errors[0]["reason"] and "特价" in errors[0]["reason"]
    assert errors[1]["column"] == "短语内容"
    assert len(api.get("/v1/phrases").json()) == 3


def test_rows_the_rules_block_are_listed_in_the_preview_and_need_force(api: TestClient) -> None:
    sheet = HEADER + "售前,ok1,亲，在的~,问候,,\n" + "售中,bad1,亲，明天一定到，加我微信kefu888~,催发货,,\n"
    preview = upload(api, sheet, dry_run=True)
    assert preview["status"] == 200
    [blocked] = preview["blocked"]  # type: ignore[misc]
    assert blocked["row"] == 3 and [p["text"] for p in blocked["problems"]] == ["明天一定到", "加我微信"]
    refused = upload(api, sheet)
    assert refused["status"] == 422 and refused["error"]["code"] == "phrase_blocked"  # type: ignore[index]
    assert "仍然导入" in refused["error"]["message"]  # type: ignore[index]
    [error] = refused["error"]["details"]["errors"]  # type: ignore[index]
    assert error["row"] == 3 and "明天一定到" in error["reason"]
    problems = refused["error"]["details"]["problems"]  # type: ignore[index]
    assert [(p["row"], p["text"]) for p in problems] == [(3, "明天一定到"), (3, "加我微信")]
    assert len(api.get("/v1/phrases").json()) == 3
    forced = upload(api, sheet, force="true")
    assert forced["status"] == 200 and len(forced["added"]) == 2  # type: ignore[arg-type]
    bad = next(p for p in api.get("/v1/phrases").json() if p["shortcut"] == "bad1")
    history = api.get(f"/v1/phrases/{bad['id']}/history").json()
    assert history[0]["source"] == "import"
    assert [p["text"] for p in history[0]["overridden"]] == ["明天一定到", "加我微信"]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+86 400", "-1元", "@SUM(1)", "'已转义", "'=1", "正常"])
def test_escaping_a_cell_is_undone_exactly(text: str) -> None:
    escaped = escape_cell(text)
    assert not str(escaped).startswith(("=", "+", "-", "@")) and unescape_cell(str(escaped)) == text


def test_csv_export_escapes_formulas_and_imports_back_to_the_same_text(api: TestClient) -> None:
    odd = {
        "title": "=标题",
        "body": '=HYPERLINK("http://evil","点我") 不是公式',
        "intent": "other",
        "group": "售前",
        "shortcut": "-x1",
        "keywords": ["+加价", "@某人"],
        "examples": ["'引号开头"],
    }
    created = api.post("/v1/phrases", json=odd)
    assert created.status_code == 201
    exported = api.get("/v1/phrases/export", params={"format": "csv"}).content
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    header = rows[0]
    row = next(r for r in rows if r[header.index("ID")] == created.json()["id"])
    cell = dict(zip(header, row, strict=True))
    assert cell["短语内容"].startswith("'=HYPERLINK") and cell["标题"] == "'=标题" and cell["快捷编码"] == "'-x1"
    assert cell["关键词"] == "'+加价|@某人" and cell["示例问题"] == "''引号开头"
    back = api.post("/v1/phrases/import", files={"file": ("back.csv", exported)}, data={"replace": "true"})
    assert back.status_code == 200 and back.json()["updated"] == [] and len(back.json()["unchanged"]) == 4
    assert api.get(f"/v1/phrases/{created.json()['id']}").json() | {"version": 1} == created.json()
