"""The LanguageTool-compatible API, driven by the real language_tool_python client over loopback."""

from __future__ import annotations

import json

import httpx2 as httpx
import language_tool_python
import pytest

from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def tool(live_server: LiveServer):
    client = language_tool_python.LanguageTool("zh-CN", remote_server=live_server.url)
    yield client
    client.close()


def test_client_sees_our_matches(tool: language_tool_python.LanguageTool) -> None:
    matches = tool.check("不好意思,你的快递明天一定到")
    assert [m.rule_id for m in matches] == ["style.bu-words", "style.polite-pronoun", "promise.arrival-guarantee"]
    assert matches[0].replacements[0] == "非常抱歉"
    assert matches[0].rule_issue_type == "style" and matches[2].rule_issue_type == "misspelling"


def test_offsets_survive_an_emoji_before_the_error(tool: language_tool_python.LanguageTool) -> None:
    text = "😀亲,不好意思"
    (match,) = tool.check(text)
    assert text[match.offset : match.offset + match.error_length] == "不好意思"


def test_correct_applies_the_first_replacements(tool: language_tool_python.LanguageTool) -> None:
    assert tool.correct("👍不好意思,你的订单到不了") == "👍非常抱歉,您的订单无法到达"


def test_raw_offsets_are_utf16_and_sorted(live_server: LiveServer) -> None:
    body = httpx.post(live_server.url + "/v2/check", data={"text": "😀你好,你好", "language": "zh-CN"}).json()
    assert [(m["offset"], m["length"]) for m in body["matches"]] == [(2, 1), (5, 1)]
    context = body["matches"][0]["context"]
    units = context["text"].encode("utf-16-le")  # LanguageTool's context offsets are UTF-16 too
    assert units[2 * context["offset"] : 2 * (context["offset"] + context["length"])].decode("utf-16-le") == "你"


def test_annotated_data_offsets_count_markup(live_server: LiveServer) -> None:
    data = {"annotation": [{"markup": "<p>"}, {"text": "不好意思"}, {"markup": "</p>"}]}
    body = httpx.post(live_server.url + "/v2/check", data={"data": json.dumps(data), "language": "zh"}).json()
    assert [(m["offset"], m["length"]) for m in body["matches"]] == [(3, 4)]


def test_bad_requests_get_400_not_500(live_server: LiveServer) -> None:
    assert httpx.post(live_server.url + "/v2/check", data={"text": "你好"}).status_code == 400
    assert httpx.post(live_server.url + "/v2/check", data={"text": "你好", "language": "fr"}).status_code == 400
    assert httpx.post(live_server.url + "/v2/check", data={"language": "zh", "data": "{"}).status_code == 400
    long = httpx.post(live_server.url + "/v2/check", data={"text": "好" * 9000, "language": "zh"})
    assert long.status_code == 413
    assert httpx.get(live_server.url + "/v2/languages").json()[0]["longCode"] == "zh-CN"
