"""POST /v1/lint and GET /healthz: the contract, and bad input that never gets a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_lint_answers_verdict_diagnostics_and_fixed(client: TestClient) -> None:
    response = client.post("/v1/lint", json={"text": "不好意思,你的快递明天一定到", "scope": "presale"})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "block"
    assert [d["rule"] for d in body["diagnostics"]] == [
        "style.bu-words",
        "style.polite-pronoun",
        "promise.arrival-guarantee",
    ]
    first, _, promise = body["diagnostics"]
    assert set(first) == {"rule", "severity", "message", "start", "end", "text", "replacements", "category"}
    assert (first["start"], first["end"], first["text"], first["severity"]) == (0, 4, "不好意思", "warning")
    assert (first["category"], promise["category"], promise["intent"]) == ("style", "promise", "delivery_time")
    assert body["fixed"] == "非常抱歉,您的快递预计明天能到"
    assert body["fixed_verdict"] == "ok"


def test_fixed_verdict_shows_what_fixing_cannot_mend(client: TestClient) -> None:
    # 你→您 is fixed, the brush-off is not: the fixed text must not look sendable
    body = client.post("/v1/lint", json={"text": "你的包裹丢了，找快递去吧"}).json()
    assert body["fixed"] == "您的包裹丢了，找快递去吧"
    assert (body["verdict"], body["fixed_verdict"]) == ("block", "block")


def test_clean_text_is_ok(client: TestClient) -> None:
    assert client.post("/v1/lint", json={"text": "好的呢,马上为您安排"}).json() == {
        "verdict": "ok",
        "diagnostics": [],
        "fixed": "好的呢,马上为您安排",
        "fixed_verdict": "ok",
    }


def test_empty_text_is_ok(client: TestClient) -> None:
    assert client.post("/v1/lint", json={"text": ""}).json()["verdict"] == "ok"


def test_offsets_count_code_points_after_an_emoji(client: TestClient) -> None:
    (d,) = client.post("/v1/lint", json={"text": "😀👍你好"}).json()["diagnostics"]
    assert (d["start"], d["end"], d["text"]) == (2, 3, "你")


def test_text_over_the_limit_gets_413(client: TestClient) -> None:
    response = client.post("/v1/lint", json={"text": "好" * 8001})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "text_too_long"
    assert "8001" in response.json()["error"]["message"]


def test_non_json_body_gets_422_with_a_chinese_reason(client: TestClient) -> None:
    response = client.post("/v1/lint", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "JSON" in response.json()["error"]["message"]


def test_wrong_types_get_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/v1/lint", json={"text": 42})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "text", "reason": "应为字符串"}]
    response = client.post("/v1/lint", json={"text": "好", "scope": "售前"})
    assert response.status_code == 422 and "presale" in response.json()["error"]["message"]
    assert client.post("/v1/lint", json={}).status_code == 422
    assert client.post("/v1/lint", json=["text"]).status_code == 422


def test_lone_surrogate_gets_422_with_its_position(client: TestClient) -> None:
    response = client.post("/v1/lint", content=b'{"text": "ab\\ud800c"}', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "第 2 个字符" in response.json()["error"]["message"]


def test_control_characters_and_mixed_scripts_get_an_answer(client: TestClient) -> None:
    for text in ["\x00\x01不\x07行\x1b", "Hello 你好 Привет مرحبا", "\u202e不行\u202c", "a\r\nb\tc"]:
        response = client.post("/v1/lint", json={"text": text})
        assert response.status_code == 200
        for d in response.json()["diagnostics"]:
            assert text[d["start"] : d["end"]] == d["text"]


def test_unknown_route_gets_a_chinese_404(client: TestClient) -> None:
    response = client.get("/v1/nope")
    assert response.status_code == 404 and response.json()["error"]["message"] == "没有这个地址"


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["rules"] > 10


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text_gets_a_200_with_exact_spans(client: TestClient, text: str) -> None:
    response = client.post("/v1/lint", json={"text": text})
    assert response.status_code == 200
    for d in response.json()["diagnostics"]:
        assert text[d["start"] : d["end"]] == d["text"]
