"""Hostile WebSocket frames, over a real socket: deep JSON and bad UTF-8 get an error frame and the socket
stays; a client that reads is never closed for a burst; one that floods is closed with 1008 (#10)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import LiveServer

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("ws-hostile")).start()  # default limits: 20 frames/s, burst 200
    yield live
    live.stop()
    assert "Traceback" not in live.log_path.read_text(), live.log_path.read_text()[-3000:]


@pytest.fixture
def ws(server: LiveServer) -> Iterator[ClientConnection]:
    with connect(server.url.replace("http", "ws") + "/ws/agent", open_timeout=10) as connection:
        yield connection


def answer(ws: ClientConnection) -> dict:
    return json.loads(ws.recv(timeout=10))


def assert_still_open(ws: ClientConnection) -> None:
    ws.send(json.dumps({"type": "ping"}))
    assert answer(ws) == {"type": "pong"}


@pytest.mark.parametrize("depth", [33, 1000, 20_000])
def test_a_deeply_nested_frame_gets_an_error_frame_and_the_socket_stays(ws: ClientConnection, depth: int) -> None:
    ws.send('{"type": "draft", "seq": 1, "text": ' + "[" * depth + "]" * depth + "}")
    assert answer(ws) == {"type": "error", "code": "json_too_deep", "message": "消息 的 JSON 嵌套超过 32 层"}
    assert_still_open(ws)


def test_binary_frames_that_are_not_utf8_get_an_error_frame(ws: ClientConnection) -> None:
    ws.send(b'{"type": "ping", "x": "\xc3\x28"}')
    frame = answer(ws)
    assert frame == {
        "type": "error",
        "code": "invalid_encoding",
        "message": "二进制消息不是合法的 UTF-8 编码（第 24 个字节）",
    }
    ws.send(b'{"type": "ping"}')  # a binary frame of UTF-8 JSON is read like a text frame
    assert answer(ws) == {"type": "pong"}


def test_malformed_json_is_explained_in_chinese(ws: ClientConnection) -> None:
    ws.send('{"type": "ping",}')
    assert answer(ws) == {
        "type": "error",
        "code": "invalid_json",
        "message": "消息 不是合法的 JSON：属性名应使用双引号（第 17 个字符）",
    }
    assert_still_open(ws)


def test_a_burst_from_a_client_that_reads_is_all_answered(ws: ClientConnection) -> None:
    """Once a burst of more than 64 frames closed a reading client (1008): every answer was queued
    before the first was written."""
    for n in range(190):
        ws.send(json.dumps({"type": "search", "seq": n, "q": "发票"}))
    seqs = [answer(ws)["seq"] for _ in range(190)]
    assert seqs == list(range(190))
    assert_still_open(ws)


def test_a_burst_of_customer_messages_is_all_answered(ws: ClientConnection) -> None:
    for n in range(150):
        ws.send(json.dumps({"type": "customer", "conversation": f"burst-{n % 7}", "text": "什么时候发货"}))
    frames = [answer(ws) for _ in range(150)]
    assert {f["type"] for f in frames} == {"suggestions"}


def test_a_client_that_floods_is_closed_with_1008_and_a_chinese_reason(server: LiveServer) -> None:
    url = server.url.replace("http", "ws") + "/ws/agent"
    with connect(url, open_timeout=10) as flood, pytest.raises(ConnectionClosed) as closed:
        for _ in range(400):  # far over a burst of 200 within a second
            flood.send(json.dumps({"type": "ping"}))
        while True:
            flood.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert closed.value.rcvd.reason == "消息过于频繁（持续每秒超过 20 条），连接已关闭"
    assert httpx.get(server.url + "/healthz").status_code == 200


def test_a_typist_sending_a_draft_per_keystroke_is_never_closed(ws: ClientConnection) -> None:
    text = "亲,您的包裹已经发出了,预计明天送达,请您耐心等待哦"
    for n in range(1, len(text) + 1):  # one draft per character, as fast as the socket takes them
        ws.send(json.dumps({"type": "draft", "seq": n, "text": text[:n]}, ensure_ascii=False))
    last = answer(ws)
    while last["seq"] != len(text):  # drafts are coalesced: the newest is always answered
        last = answer(ws)
    assert last["type"] == "lint"
    assert_still_open(ws)


def test_frames_waiting_on_a_locked_database_wait_in_tcp_and_are_all_answered(server: LiveServer) -> None:
    """While another process holds SQLite's write lock, a sidebar's customer messages queue for their turn's
    write; past 64 waiting the server stops reading the socket (the rest wait in TCP, not in tasks), and
    once the lock goes every message is answered in order, none refused."""
    import sqlite3

    holder = sqlite3.connect(server.tmp_path / "live.db", isolation_level=None, timeout=1)
    answered: list[str] = []
    with connect(server.url.replace("http", "ws") + "/ws/agent") as ws:
        holder.execute("BEGIN IMMEDIATE")
        try:
            for n in range(100):
                ws.send(json.dumps({"type": "customer", "conversation": "locked-1", "text": f"第{n}个问题:能开发票吗"}))
            ws.send(json.dumps({"type": "ping"}))
            with pytest.raises(TimeoutError):  # the ping waits behind the messages the server stopped reading
                while True:
                    frame = json.loads(ws.recv(timeout=2))
                    assert frame["type"] == "suggestions", frame
                    answered.append(frame["message"])
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        ponged = False
        while not ponged or len(answered) < 100:
            frame = json.loads(ws.recv(timeout=30))
            if frame["type"] == "pong":
                ponged = True
            else:
                assert frame["type"] == "suggestions", frame
                answered.append(frame["message"])
    assert answered == [f"第{n}个问题:能开发票吗" for n in range(100)]
