"""A large import (8,000 rows) over HTTP runs off the event loop: a sidebar's pings and /healthz keep answering
while it parses and writes (before, both waited out the whole import: 10.9 s in the audit, 50-90 s on
the shared 2-core CI machine), and it stays all or nothing.

Timing on a machine shared by other jobs is noisy: the bound on every ping is generous (a blocked loop
shows the whole import), and the 50 ms budget applies to the 99th percentile; `python -m
bench.import_canary` prints the slowest ping too."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import LiveServer

ROWS = 8_000  # long enough for the canary to measure (bench/import_canary.py imports 20,000)
HEADER = "分组,快捷编码,短语内容,标题,意图,关键词,示例问题,启用,ID\r\n"
# A blocked loop shows as pings of seconds; the figure itself (p99 tens of ms) is the benchmark's to
# measure on an idle machine, so this bound leaves room for a busy CI host.
PING_P99_S = 0.2
PING_MAX_S = 1.0  # generous: with the import on the loop, one ping waited for all of it


def bulk_csv(version: int) -> bytes:
    """ROWS phrases with fixed ids; another version updates every row."""
    out = io.StringIO()
    out.write(HEADER)
    for i in range(ROWS):
        out.write(
            f"售前,,亲，第{i}条批量话术（第{version}版），请您放心~,批量话术{i},product_info,"
            f"批量|话术{i},第{i}个问题怎么办,是,bulk-{i}\r\n"
        )
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("import")).start(timeout=120)
    yield live
    live.stop()


def import_with_canary(server: LiveServer, token: str, data: bytes) -> tuple[httpx.Response, list[float], list[float]]:
    """Import over HTTP while a sidebar pings; the import's answer and the round trips of pings and /healthz (s)."""
    answer: dict[str, httpx.Response] = {}

    def run_import() -> None:
        answer["import"] = httpx.post(
            server.url + "/v1/phrases/import",
            files={"file": ("bulk.csv", data)},
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )

    pings: list[float] = []
    checks: list[float] = []
    with (
        connect(server.url.replace("http", "ws") + "/ws/agent", open_timeout=10) as canary,
        httpx.Client(base_url=server.url, timeout=60) as probe,
    ):
        worker = threading.Thread(target=run_import)
        worker.start()
        while worker.is_alive():
            started = time.perf_counter()
            canary.send(json.dumps({"type": "ping"}))
            assert json.loads(canary.recv(timeout=60)) == {"type": "pong"}
            pings.append(time.perf_counter() - started)
            if len(pings) % 10 == 0:
                started = time.perf_counter()
                assert probe.get("/healthz").status_code == 200
                checks.append(time.perf_counter() - started)
            time.sleep(0.06)  # ~15 pings a second: under the sidebar frame limit (20/s)
        worker.join()
    assert len(pings) > 30 and checks, "the import ended before the canary could measure anything"
    return answer["import"], pings, checks


def test_a_large_import_leaves_pings_and_healthz_answering(server: LiveServer) -> None:
    token = server.api_token("lead")
    answer, pings, checks = import_with_canary(server, token, bulk_csv(1))
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["added"]) == ROWS
    p99 = sorted(pings)[int(len(pings) * 0.99)]
    print(
        f"{len(pings)} pings during the import: p99 {p99 * 1e3:.1f} ms, slowest {max(pings) * 1e3:.1f} ms; "
        f"slowest /healthz {max(checks) * 1e3:.1f} ms"
    )
    assert p99 <= PING_P99_S and max(pings) <= PING_MAX_S and max(checks) <= PING_MAX_S


def test_an_import_with_one_bad_row_changes_nothing(server: LiveServer) -> None:
    token = server.api_token("lead")
    headers = {"Authorization": f"Bearer {token}"}
    before = httpx.get(server.url + "/v1/phrases", headers=headers, timeout=60).json()
    data = bulk_csv(99) + "售前,,,无内容的行,product_info,,,是,\r\n".encode()
    answer = httpx.post(
        server.url + "/v1/phrases/import", files={"file": ("bulk.csv", data)}, headers=headers, timeout=600
    )
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "import_invalid"
    assert httpx.get(server.url + "/v1/phrases", headers=headers, timeout=60).json() == before
