"""A real server with COPILOT_ALLOWED_ORIGINS and login required: CORS for allowed pages, foreign pages' sockets
refused, the socket's token as a subprotocol, and a token in the URL never written to the log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.conftest import LiveServer

CHAT = "https://chat.example.com"
EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        tmp_path_factory.mktemp("origins"),
        env={
            "COPILOT_ALLOWED_ORIGINS": f"{CHAT}, https://extension.example",
            "COPILOT_REQUIRE_LOGIN": "true",
        },
    ).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def token(server: LiveServer) -> str:
    return server.api_token("agent")


def ws_url(server: LiveServer, query: str = "") -> str:
    return server.url.replace("http://", "ws://") + "/ws/agent" + query


def answers_ping(ws: ClientConnection) -> bool:
    """Whether the socket serves us (a pong), rather than closing with 4401 for want of a login."""
    try:
        ws.send(json.dumps({"type": "ping"}))
        answer = json.loads(ws.recv(timeout=5))
        if answer["type"] == "conversations":  # a logged-in socket's list of its conversations
            answer = json.loads(ws.recv(timeout=5))
        return bool(answer["type"] == "pong")
    except ConnectionClosed:
        return False


CALLS = [
    ("/v1/lint", {"json": {"text": "亲,您好"}}),
    ("/v1/suggest", {"json": {"message": "能开发票吗"}}),
    ("/v2/check", {"data": {"text": "亲,您好", "language": "zh-CN"}}),
]


@pytest.mark.parametrize(("path", "body"), CALLS, ids=[path for path, _ in CALLS])
def test_an_allowed_origin_passes_the_preflight_and_reads_lint_suggest_and_check(
    server: LiveServer,
    token: str,
    path: str,
    body: dict[str, object],
) -> None:
    preflight = httpx.options(
        server.url + path,
        headers={
            "Origin": CHAT,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == CHAT
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert {"authorization", "content-type"} <= {
        h.strip() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert "access-control-allow-credentials" not in preflight.headers  # the page brings its token, not our cookie
    answer = httpx.post(server.url + path, headers={"Origin": CHAT, "Authorization": f"Bearer {token}"}, **body)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == CHAT and "Origin" in answer.headers["vary"]


def test_another_origin_gets_a_chinese_refusal_and_no_cors_headers(server: LiveServer, token: str) -> None:
    preflight = httpx.options(
        server.url + "/v2/check", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 403
    assert preflight.json()["error"]["code"] == "origin_not_allowed"
    assert "COPILOT_ALLOWED_ORIGINS" in preflight.json()["error"]["message"]
    answer = httpx.post(
        server.url + "/v1/lint", json={"text": "亲"}, headers={"Origin": EVIL, "Authorization": f"Bearer {token}"}
    )
    assert "access-control-allow-origin" not in answer.headers  # the browser keeps the answer from that page


def test_a_preflight_asking_for_an_unknown_header_is_refused_by_name(server: LiveServer) -> None:
    preflight = httpx.options(
        server.url + "/v1/lint",
        headers={"Origin": CHAT, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-evil"},
    )
    assert preflight.status_code == 403 and "x-evil" in preflight.json()["error"]["message"]


def test_a_socket_from_a_foreign_page_is_refused_with_403_in_chinese(server: LiveServer, token: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(server), origin=EVIL, subprotocols=["kefu-copilot", f"token.{token}"])  # type: ignore[list-item]
    assert refused.value.response.status_code == 403
    assert "COPILOT_ALLOWED_ORIGINS" in json.loads(refused.value.response.body)["error"]["message"]
    for origin in ("null", f"http://evil.example:{server.port}"):  # a sandboxed page; another host, same port
        with pytest.raises(InvalidStatus):
            connect(ws_url(server), origin=origin)  # type: ignore[arg-type]


@pytest.mark.parametrize("origin", ["same", CHAT, None], ids=["same-origin", "allowed", "no-origin (a program)"])
def test_the_own_page_an_allowed_page_and_programs_may_connect(
    server: LiveServer, token: str, origin: str | None
) -> None:
    page = server.url if origin == "same" else origin
    with connect(ws_url(server), origin=page, subprotocols=["kefu-copilot", f"token.{token}"]) as ws:  # type: ignore[arg-type, list-item]
        assert answers_ping(ws)


def test_the_token_may_come_as_a_subprotocol_and_the_server_names_ours(server: LiveServer, token: str) -> None:
    with connect(ws_url(server), subprotocols=["kefu-copilot", f"token.{token}"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "kefu-copilot" and answers_ping(ws)
    with connect(ws_url(server), subprotocols=["kefu-copilot", "token.kc_wrong"]) as ws:  # type: ignore[list-item]
        assert not answers_ping(ws)
        assert ws.close_code == 4401 and "令牌无效" in (ws.close_reason or "")
    with connect(ws_url(server), subprotocols=["kefu-copilot"]) as ws:  # type: ignore[list-item]
        assert not answers_ping(ws) and ws.close_code == 4401


def test_a_token_in_the_url_still_works_but_never_reaches_the_log(server: LiveServer, token: str) -> None:
    with connect(ws_url(server, f"?token={token}&c=order-1")) as ws:
        assert answers_ping(ws)
    httpx.get(server.url + f"/v1/auth/me?token={token}", headers={"Authorization": f"Bearer {token}"})
    log = _log_after(server.log_path, "/v1/auth/me")
    assert token not in log and token[3:20] not in log
    assert "/ws/agent?token=***&c=order-1" in log and "/v1/auth/me?token=***" in log


def _log_after(path: Path, marker: str, timeout: float = 5.0) -> str:
    """The server's log once it mentions `marker` (access lines are written as responses finish)."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(encoding="utf-8", errors="replace")
        if marker in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)
