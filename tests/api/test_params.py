"""Every query and path parameter is bounded: numbers past what the database stores and endless strings get a 422."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from copilot.api.params import MAX_INT
from tests.conftest import authorize

HUGE = [MAX_INT + 1, 2**63]  # one past PostgreSQL's integer; one past SQLite's (both answered 500 before)


def _parameters(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, parameter) for every query and path parameter in /openapi.json."""
    found = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            found.extend((method.upper(), path, parameter) for parameter in operation.get("parameters", []))
    return found


def _types(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a parameter schema (`int | None` is anyOf integer, null)."""
    return [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]


def test_every_parameter_declares_its_bounds(client: TestClient) -> None:
    parameters = _parameters(client)
    assert parameters
    for method, path, parameter in parameters:
        where = f"{method} {path} {parameter['name']}"
        for schema in _types(parameter["schema"]):
            if schema.get("type") == "integer":
                assert "minimum" in schema and schema.get("maximum", MAX_INT + 1) <= MAX_INT, where
            elif schema.get("type") == "string" and "enum" not in schema:
                assert schema.get("maxLength", 10**9) <= 256, where


@pytest.mark.parametrize("number", HUGE)
def test_integers_past_the_bound_are_refused_with_a_chinese_422(client: TestClient, number: int) -> None:
    authorize(client, "admin")
    probed = 0
    for method, path, parameter in _parameters(client):
        if not any(s.get("type") == "integer" for s in _types(parameter["schema"])):
            continue
        url = path.replace("{" + parameter["name"] + "}", str(number))
        url = url.replace("{phrase_id}", "x").replace("{rule_id}", "x")
        params = {parameter["name"]: number} if parameter["in"] == "query" else None
        answer = client.request(method, url, params=params)
        assert answer.status_code == 422, (method, url, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "invalid_request" and "数值过大" in error["message"], error
        probed += 1
    assert probed >= 4  # offset, both versions, token id


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/v1/phrases/x/restore", {"version": 2**63}),
        ("/v1/rules/shop.1/restore", {"version": MAX_INT + 1}),
    ],
)
def test_body_versions_past_the_bound_are_refused(client: TestClient, url: str, body: dict[str, int]) -> None:
    authorize(client, "admin")
    answer = client.post(url, json=body)
    assert answer.status_code == 422, answer.text
    assert "数值过大" in answer.json()["error"]["message"]


def test_an_overlong_path_id_is_refused_before_the_store(client: TestClient) -> None:
    answer = client.get("/v1/phrases/" + "x" * 129)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"] == [{"field": "path.phrase_id", "reason": "文本过长"}]
