"""/readyz says whether the database answers; /healthz stays about the process."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_readyz_answers_ok_when_the_database_answers(client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json() == {"database": "ok"}
    assert client.get("/healthz").json()["status"] == "ok"
