"""Hostile clients against a real `serve` process (#10): 50 MB bodies refused without the worker's memory
growing, slow or oversized headers cut off, a silent WebSocket closed after its ping goes unanswered."""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import threading
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from tests.conftest import LiveServer

HEADER_TIMEOUT_S = 1.0
BODY_BYTES = 50 * 1024 * 1024
CHUNK = b"a" * 65536


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {
        "COPILOT_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT_S),
        "COPILOT_WS_PING_INTERVAL_SECONDS": "1",
        "COPILOT_WS_PING_TIMEOUT_SECONDS": "1",
    }
    live = LiveServer(tmp_path_factory.mktemp("hostile"), env=env).start(timeout=120)
    yield live
    live.stop()
    assert "Traceback" not in live.log_path.read_text(), live.log_path.read_text()[-3000:]


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def read_until_closed(sock: socket.socket, timeout: float = 30.0) -> bytes:
    """Everything the server sends until it closes (a reset after its answer counts as closed)."""
    sock.settimeout(timeout)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def post_huge(port: int, chunked: bool) -> bytes:
    """POST a 50 MB /v1/lint body, stopping as soon as the server answers; returns the answer."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY_BYTES}"
    head = f"POST /v1/lint HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        sent = 0
        try:
            while sent < BODY_BYTES:
                if select.select([sock], [], [], 0)[0]:  # the server answered: stop sending
                    break
                sock.sendall(piece)
                sent += len(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and closed, as it should
        return read_until_closed(sock)


def test_eight_concurrent_50_mb_bodies_are_refused_without_the_worker_growing(server: LiveServer) -> None:
    assert server.process is not None
    pid = server.process.pid
    assert httpx.get(server.url + "/healthz").json()["pid"] == pid  # one worker: the server process itself
    for _ in range(3):  # warm up: the first requests allocate what every later one reuses
        assert httpx.post(server.url + "/v1/lint", json={"text": "不好意思"}).status_code == 200
    before = rss_bytes(pid)
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_bytes(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    answers: list[bytes] = []
    try:
        for chunked in (False, True):
            threads = [
                threading.Thread(target=lambda c=chunked: answers.append(post_huge(server.port, c))) for _ in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
    finally:
        done.set()
        sampler.join()
    assert len(answers) == 16
    for raw in answers:
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), raw[:200]
        assert json.loads(body)["error"]["code"] == "body_too_large"
    grown = peak - before
    print(f"\nRSS before {before / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB, grown {grown / 2**20:.1f} MiB")
    assert grown < 50 * 2**20
    assert httpx.post(server.url + "/v1/lint", json={"text": "不好意思"}).status_code == 200


def test_a_request_line_that_never_finishes_is_cut_off(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HT")
        answer = read_until_closed(sock)
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 ")
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["error"] == {"code": "request_timeout", "message": "请求头在 1 秒内未发送完整，连接已关闭"}
    assert HEADER_TIMEOUT_S * 0.9 <= elapsed < HEADER_TIMEOUT_S + 10  # generous: the machine may be busy


def test_headers_dribbled_a_line_at_a_time_are_cut_off_at_the_deadline(server: LiveServer) -> None:
    """Slowloris: every byte arriving in time must not push the deadline back."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        closed = False
        while time.monotonic() - started < HEADER_TIMEOUT_S + 10 and not closed:
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            if select.select([sock], [], [], 0.2)[0]:
                closed = True
        assert closed
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_a_kept_alive_connection_gets_the_same_deadline_for_its_next_request(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        first = b""
        while b"}" not in first:  # the whole JSON answer, so what follows belongs to the next request
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        assert read_until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_headers_over_64_kib_get_431(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        try:
            for n in range(2000):
                sock.sendall(b"X-Filler-%d: %s\r\n" % (n, b"x" * 100))
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["message"] == "请求头过大，上限 64 KiB"


def test_a_request_that_is_not_http_gets_a_chinese_400(server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")  # e.g. TLS spoken to a plain port
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["message"] == "请求格式有误，无法按 HTTP/1.1 解析"


def test_a_websocket_that_never_answers_pings_is_closed(server: LiveServer) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            f"GET /ws/agent HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        started = time.monotonic()
        assert sock.recv(4096).startswith(b"HTTP/1.1 101 ")
        read_until_closed(sock)  # the pings (never answered), then the server's close
        elapsed = time.monotonic() - started
    assert elapsed < 1 + 1 + 10  # interval + timeout, generously
