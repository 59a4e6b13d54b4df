"""GET /metrics: requests by route template and status, lint/suggest latency, sockets, pushes, database errors,
versions — in one process, and added up over the workers of `serve --workers 2` (whose logs are JSON here)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from copilot.api.app import create_app
from tests.conftest import LiveServer, make_settings

TOKEN = "metrics-push-token"


def sample(page: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text page (0 when absent)."""
    for family in text_string_to_metric_families(page):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, integration_token=TOKEN)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def scrape(client: TestClient | httpx.Client) -> str:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    before = scrape(client)
    for phrase_id in ("nope-1", "nope-2", "nope-3"):
        assert client.get(f"/v1/phrases/{phrase_id}").status_code == 404
    client.get("/no/such/page/123")
    assert client.request("BREW", "/healthz").status_code == 405
    after = scrape(client)
    route = {"method": "GET", "route": "/v1/phrases/{phrase_id}", "status": "404"}
    assert (
        sample(after, "copilot_http_requests_total", **route) - sample(before, "copilot_http_requests_total", **route)
        == 3
    )
    assert "nope-1" not in after and "/no/such" not in after  # raw paths never become labels
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert sample(after, "copilot_http_requests_total", **unmatched) >= 1
    assert sample(after, "copilot_http_requests_total", method="other", route="/healthz", status="405") >= 1


def test_lint_and_suggest_latency_over_http_and_the_socket(client: TestClient) -> None:
    before = scrape(client)
    assert client.post("/v1/lint", json={"text": "不知道,自己看"}).status_code == 200
    assert client.post("/v1/suggest", json={"message": "什么时候发货"}).status_code == 200
    with client.websocket_connect("/ws/agent") as ws:
        assert sample(scrape(client), "copilot_open_sockets") == sample(before, "copilot_open_sockets") + 1
        ws.send_json({"type": "draft", "seq": 1, "text": "不知道"})
        assert ws.receive_json()["type"] == "lint"
        ws.send_json({"type": "customer", "conversation": "c1", "text": "能开发票吗"})
        assert ws.receive_json()["type"] == "suggestions"
    after = scrape(client)
    for name in ("copilot_lint_seconds_count", "copilot_suggest_seconds_count"):
        for via in ("http", "ws"):
            assert sample(after, name, via=via) - sample(before, name, via=via) == 1, (name, via)
    assert sample(after, "copilot_lint_seconds_bucket", via="http", le="+Inf") >= 1
    assert sample(after, "copilot_open_sockets") == sample(before, "copilot_open_sockets")


def test_pushes_are_counted_delivered_or_undelivered(client: TestClient) -> None:
    before = scrape(client)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    push = {"role": "customer", "text": "在吗"}
    assert client.post("/v1/conversations/nobody/messages", json=push, headers=headers).json()["delivered"] == 0
    with client.websocket_connect("/ws/agent") as ws:
        ws.send_json({"type": "watch", "conversation": "watched"})
        assert ws.receive_json()["type"] == "watching"
        assert client.post("/v1/conversations/watched/messages", json=push, headers=headers).json()["delivered"] == 1
    after = scrape(client)
    for outcome in ("delivered", "undelivered"):
        assert (
            sample(after, "copilot_pushes_total", outcome=outcome)
            - sample(before, "copilot_pushes_total", outcome=outcome)
            == 1
        )


def test_database_errors_and_versions(client: TestClient) -> None:
    before = scrape(client)
    with pytest.raises(OperationalError), client.app.state.services.store.engine.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text("SELECT * FROM no_such_table"))
    after = scrape(client)
    assert (
        sample(after, "copilot_database_errors_total", error="OperationalError")
        - sample(before, "copilot_database_errors_total", error="OperationalError")
        == 1
    )
    assert sample(after, "copilot_phrasebank_version") >= 1
    assert "copilot_rules_version" in after


def test_metrics_can_be_switched_off(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, metrics=False))) as client:
        assert client.get("/metrics").status_code == 404


def _metrics_folders() -> set[Path]:
    return set(Path(os.environ.get("TMPDIR", "/tmp")).glob("kefu-copilot-metrics-*"))


def test_two_workers_add_up_in_every_scrape_and_log_json(tmp_path: Path) -> None:
    before = _metrics_folders()
    server = LiveServer(tmp_path, workers=2, env={"COPILOT_LOG_FORMAT": "json"})
    server.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server.start(timeout=60)
    try:
        created = _metrics_folders() - before
        assert len(created) == 1  # serve made the folder the workers share
        pids = set()
        for _ in range(40):  # fresh connections, so both workers answer some of them
            with httpx.Client(base_url=server.url, timeout=10) as fresh:
                pids.add(fresh.get("/healthz").json()["pid"])
                assert fresh.post("/v1/lint", json={"text": "亲,在的"}).status_code == 200
        assert len(pids) == 2
        for _ in range(6):  # whichever worker answers the scrape, it counts every worker's requests
            with httpx.Client(base_url=server.url, timeout=10) as fresh:
                page = scrape(fresh)
            assert sample(page, "copilot_http_requests_total", method="POST", route="/v1/lint", status="200") == 40
            assert sample(page, "copilot_lint_seconds_count", via="http") == 40
        assert httpx.get(server.url + "/v1/phrases/nope", timeout=10).status_code == 404
    finally:
        server.stop()
    assert not any(folder.exists() for folder in created)  # removed when serve exits
    lines = server.log_path.read_text(encoding="utf-8").splitlines()
    # Python's multiprocessing resource tracker may warn on its own stderr as the workers stop: not a log record.
    records = [json.loads(line) for line in lines if "resource_tracker" not in line]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)  # every line is JSON
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert any(r["path"] == "/v1/phrases/nope" and r["status"] == 404 for r in access)
    assert any(r["logger"] == "uvicorn.error" and "Started server process" in r["message"] for r in records)
