"""Hostile HTTP bodies get a clear Chinese 4xx before anything parses them: too large, not UTF-8, not JSON,
nested too deep, the wrong content type (#10); a sidebar frame over the frame limit closes with 1009."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from copilot.api.app import create_app
from tests.conftest import authorize, make_settings

LIMIT = 4096
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module (building one takes seconds), with small limits: 4 KiB, 16 KiB imports, depth 8,
    4 KiB frames."""
    settings = make_settings(
        tmp_path_factory.mktemp("hostile"),
        max_json_bytes=LIMIT,
        max_import_bytes=LIMIT * 4,
        json_max_depth=8,
        ws_max_frame_bytes=LIMIT,
    )
    with TestClient(create_app(settings)) as test_client:
        authorize(test_client, "lead")  # imports need a lead; nothing else here minds
        yield test_client


def error(response: object, status: int, code: str) -> str:
    """The Chinese message of an error answer that must have this status and code."""
    assert response.status_code == status, response.text[:500]  # type: ignore[attr-defined]
    body = response.json()["error"]  # type: ignore[attr-defined]
    assert body["code"] == code and CHINESE.search(body["message"]), body
    return str(body["message"])


def post_json(api: TestClient, path: str, body: bytes) -> object:
    return api.post(path, content=body, headers={"Content-Type": "application/json"})


def test_a_body_over_the_limit_is_refused_by_its_length(api: TestClient) -> None:
    body = json.dumps({"text": "亲" * LIMIT}).encode()
    response = post_json(api, "/v1/lint", body)
    assert error(response, 413, "body_too_large") == f"请求体过大，请求体上限 4 KiB（本次 {len(body)} 字节）"
    assert response.headers["connection"] == "close"  # the rest of the body is never read


def test_a_chunked_body_over_the_limit_is_refused_as_it_streams(api: TestClient) -> None:
    chunks = iter([b'{"text": "', *[b"a" * 1024] * 8, b'"}'])
    response = api.post("/v1/lint", content=chunks, headers={"Content-Type": "application/json"})
    assert error(response, 413, "body_too_large") == "请求体过大，请求体上限 4 KiB"


def test_a_chunked_body_of_another_type_is_counted_too(api: TestClient) -> None:
    chunks = iter([b"language=zh-CN&text=", *[b"a" * 1024] * 8])
    response = api.post("/v2/check", content=chunks, headers={"Content-Type": "application/x-www-form-urlencoded"})
    error(response, 413, "body_too_large")


def test_a_body_under_the_limit_is_served(api: TestClient) -> None:
    response = post_json(api, "/v1/lint", json.dumps({"text": "不好意思"}).encode())
    assert response.status_code == 200 and response.json()["verdict"] == "warn"


def test_imports_have_the_file_limit_not_the_json_one(api: TestClient) -> None:
    rows = "id,title,body,intent,group\n" + "".join(
        f"imp-{n:03d},标题{n},亲~这是第{n}条话术~,other,售前\n" for n in range(120)
    )
    data = rows.encode("utf-8")
    assert LIMIT < len(data) < LIMIT * 4
    response = api.post("/v1/phrases/import?dry_run=true", files={"file": ("team.csv", data)})
    assert response.status_code == 200, response.text
    huge = data * 40
    response = api.post("/v1/phrases/import?dry_run=true", files={"file": ("team.csv", huge)})
    assert error(response, 413, "body_too_large").startswith("请求体过大，导入文件上限 16 KiB")


def test_invalid_utf8_is_a_chinese_400_with_the_byte(api: TestClient) -> None:
    response = post_json(api, "/v1/lint", b'{"text": "\xff\xfe"}')
    message = error(response, 400, "invalid_encoding")
    assert message == "请求体不是合法的 UTF-8 编码（第 11 个字节）；JSON 应以 UTF-8 编码"


def test_invalid_json_says_what_and_where(api: TestClient) -> None:
    response = post_json(api, "/v1/lint", b'{"text": ')
    message = error(response, 422, "invalid_request")
    assert message == "请求有误 — 请求体: 不是合法的 JSON：此处缺少一个值（第 10 个字符）"
    assert response.json()["error"]["details"] == [{"field": "请求体", "reason": message.split(": ", 1)[1]}]


@pytest.mark.parametrize("depth", [9, 2000])
def test_json_nested_too_deep_is_refused_before_parsing(api: TestClient, depth: int) -> None:
    body = b'{"text": ' + b"[" * depth + b"]" * depth + b"}"
    assert error(post_json(api, "/v1/lint", body), 400, "json_too_deep") == "请求体的 JSON 嵌套超过 8 层"


def test_json_at_the_depth_limit_reaches_validation(api: TestClient) -> None:
    body = b'{"text": ' + b"[" * 7 + b"]" * 7 + b"}"
    assert error(post_json(api, "/v1/lint", body), 422, "invalid_request") == "请求有误 — text: 应为字符串"


@pytest.mark.parametrize(
    ("content_type", "said"),
    [
        ("text/plain", "收到的是 text/plain"),
        ("application/x-www-form-urlencoded", "收到的是 application/x-www-form-urlencoded"),
        (None, "请求未设置 Content-Type"),
    ],
)
def test_a_json_route_names_the_content_type_it_needs(api: TestClient, content_type: str | None, said: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("/v1/lint", content='{"text": "你好"}'.encode(), headers=headers)
    assert error(response, 415, "unsupported_media_type") == (
        f"请求体应为 JSON，请设置 Content-Type: application/json（{said}）"
    )


def test_a_wrong_field_type_names_the_field_in_chinese(api: TestClient) -> None:
    response = post_json(api, "/v1/lint", b'{"text": 1.5}')
    assert error(response, 422, "invalid_request") == "请求有误 — text: 应为字符串"


def test_languagetool_data_nested_50000_deep_is_a_chinese_400(tmp_path: Path) -> None:
    data = "[" * 50_000 + "]" * 50_000  # answered 500 before (#10)
    with TestClient(create_app(make_settings(tmp_path))) as roomy:  # the default limits: 1 MiB, depth 32
        response = roomy.post("/v2/check", data={"language": "zh-CN", "data": data})
        assert error(response, 400, "invalid_data").startswith("data 的 JSON 嵌套超过 32 层；data 应为 {")
        response = roomy.get("/v2/check", params={"language": "zh-CN", "data": "{" * 40})
        assert error(response, 400, "invalid_data").startswith("data 的 JSON 嵌套超过 32 层；")


def test_languagetool_data_that_is_not_json_says_where(api: TestClient) -> None:
    response = api.post("/v2/check", data={"language": "zh-CN", "data": '{"annotation": [}'})
    assert error(response, 400, "invalid_data").startswith("data 不是合法的 JSON：此处缺少一个值（第 17 个字符）；")


def test_http_errors_from_the_framework_are_chinese(api: TestClient) -> None:
    error(api.get("/no/such/page"), 404, "http_404")
    error(api.put("/v1/lint", json={"text": "x"}), 405, "http_405")
    broken = b"--xyz\r\nContent-Disposition: form-data; name=file\r\n\r\nabc"  # never closed
    response = api.post(
        "/v1/phrases/import", content=broken, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
    )
    assert response.status_code in (400, 422) and CHINESE.search(response.json()["error"]["message"])


def test_a_frame_over_the_configured_limit_closes_with_1009_saying_that_limit(api: TestClient) -> None:
    with api.websocket_connect("/ws/agent") as ws:
        ws.send_text('{"type": "draft", "seq": 1, "text": "' + "好" * 1300 + '"}')  # 3,930 bytes: within the limit
        # a logged-in sidebar may get its `conversations` frame first, in no fixed order with the lint
        while ws.receive_json()["type"] != "lint":
            pass
        ws.send_text('{"type": "draft", "seq": 2, "text": "' + "好" * 1400 + '"}')  # 4,230 bytes
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(10):  # anything queued before the close, then the close itself
                ws.receive_json()
    assert (closed.value.code, closed.value.reason) == (1009, "消息超过 4 KiB")
