"""While one sidebar sends huge drafts without pause, another sidebar's ping still answers at once:
drafts are linted on the compute threads, not on the event loop (issue #10)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import LiveServer

DRAFT_CHARS = 20_000  # 60 KB of UTF-8: within the 64 KiB frame limit


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("loop"), env={"COPILOT_MAX_TEXT_CHARS": str(DRAFT_CHARS)})
    live.start(timeout=90)  # a busy machine can take long to start a server
    yield live
    live.stop()


def flood(url: str, stop: threading.Event, answers: list[dict]) -> None:
    """Send 20,000-character drafts of 不你, each as soon as the one before was answered."""
    with connect(url, open_timeout=10, max_size=None) as ws:
        seq = 0
        while not stop.is_set():
            seq += 1
            text = ("不你" if seq % 2 else "你不") * (DRAFT_CHARS // 2)
            ws.send(json.dumps({"type": "draft", "conversation": "c", "seq": seq, "text": text}, ensure_ascii=False))
            try:
                answers.append(json.loads(ws.recv(timeout=10)))
            except (TimeoutError, ConnectionClosed):
                return
            time.sleep(0.01)  # a frame rate no limit should mind, and still a lint always in progress


def test_a_canary_pings_fast_while_another_socket_floods_huge_drafts(server: LiveServer) -> None:
    url = server.url.replace("http", "ws") + "/ws/agent"
    stop, answers = threading.Event(), []
    flooder = threading.Thread(target=flood, args=(url, stop, answers), daemon=True)
    with connect(url, open_timeout=10) as canary:
        flooder.start()
        deadline = time.monotonic() + 10
        while not answers and time.monotonic() < deadline:  # the flood is under way
            time.sleep(0.01)
        round_trips = []
        try:
            for _ in range(20):
                started = time.perf_counter()
                canary.send(json.dumps({"type": "ping"}))
                assert json.loads(canary.recv(timeout=5)) == {"type": "pong"}
                round_trips.append(time.perf_counter() - started)
                time.sleep(0.05)
        finally:
            stop.set()
            flooder.join(15)
    lint = [a for a in answers if a.get("type") == "lint"]
    assert len(lint) >= 3, answers[:1]  # the drafts really were being linted meanwhile
    assert lint[0]["verdict"] == "warn" and lint[0]["diagnostics"][-1]["rule"] == "lint.more"
    assert max(round_trips) <= 0.050, [round(t * 1000, 1) for t in round_trips]
