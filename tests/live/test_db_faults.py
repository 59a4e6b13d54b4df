"""A database that fails under a real server: a TCP proxy between `kefu-copilot serve` and PostgreSQL
blackholes or refuses the connection. Database routes answer 503 database_unavailable with Retry-After in
bounded time; lint, suggest, /v2/check and sidebars keep serving from memory, also with login required;
the log has one line per outage; after the proxy heals, the same servers use the database again."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy.engine import make_url
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from copilot.config import PROJECT_ROOT
from copilot.store import open_store
from tests.conftest import PASSWORD, POSTGRES_ONLY, LiveServer, fresh_database, make_token, make_user
from tests.live.tcpproxy import TcpProxy

pytestmark = POSTGRES_ONLY

# Short limits so the test runs in seconds; a database route must answer within BOUND_S even with the
# database blackholed (before these timeouts it hung for the client's whole patience, ~30 s).
LIMITS = {
    "COPILOT_DB_CONNECT_TIMEOUT": "2",
    "COPILOT_DB_STATEMENT_TIMEOUT": "2",
    "COPILOT_DB_RETRY_AFTER": "3",
    "COPILOT_PASSWORD_TIME_COST": "1",
    "COPILOT_PASSWORD_MEMORY_KIB": "1024",
}
BOUND_S = 10.0
SERVING_S = 2.0  # lint, suggest and sockets, served from memory, answer well within this
SEQ = itertools.count(1)


@dataclass
class Servers:
    proxy: TcpProxy
    strict: LiveServer  # COPILOT_REQUIRE_LOGIN=true
    open: LiveServer  # login optional
    token: str  # an agent's API token
    lead: str  # a lead's API token


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("faults")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database("postgres", folder))
        store = open_store(url, PROJECT_ROOT / "phrasebank")
        try:
            make_user(store, "xiaomei", "agent")
            token = make_token(store, "xiaomei")
            lead = make_token(store, "lily", "lead")
        finally:
            store.dispose()
        parsed = make_url(url)
        proxy = stack.enter_context(TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432))
        proxied = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = {"COPILOT_DATABASE_URL": proxied, **LIMITS}
        strict = LiveServer(folder / "strict", env=env | {"COPILOT_REQUIRE_LOGIN": "true"})
        loose = LiveServer(folder / "open", env=env)
        for server in (strict, loose):
            server.tmp_path.mkdir()
            server.start(timeout=120)
            stack.callback(server.stop)
        yield Servers(proxy, strict, loose, token, lead)


def log_of(server: LiveServer) -> str:
    return server.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Login:
    cookie: str
    csrf: str  # a cookie-authenticated POST (lint too) must echo it


def login(server: LiveServer) -> Login:
    answer = httpx.post(server.url + "/v1/auth/login", json={"name": "xiaomei", "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    return Login(answer.cookies["kefu_session"], answer.json()["csrf_token"])


def browser(server: LiveServer, session: Login) -> httpx.Client:
    return httpx.Client(
        base_url=server.url,
        cookies={"kefu_session": session.cookie},
        headers={"X-CSRF-Token": session.csrf},
        timeout=10,
    )


def socket_to(server: LiveServer, cookie: str | None = None) -> ClientConnection:
    headers = {"Cookie": f"kefu_session={cookie}"} if cookie else None
    return connect(server.url.replace("http", "ws") + "/ws/agent", additional_headers=headers, open_timeout=10)


def lints(ws: ClientConnection) -> bool:
    """Whether the sidebar lints a new draft (a draft's seq must grow, or the sidebar skips it)."""
    draft = {"type": "draft", "conversation": "c1", "seq": next(SEQ), "text": "不好意思,你好"}
    ws.send(json.dumps(draft, ensure_ascii=False))
    frame = json.loads(ws.recv(timeout=SERVING_S))
    while frame["type"] == "conversations":  # a logged-in sidebar's list, when the database could be read
        frame = json.loads(ws.recv(timeout=SERVING_S))
    return frame["type"] == "lint" and frame["fixed"] == "非常抱歉,您好"


def timed(call: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = call(*args, **kwargs)
    return answer, time.monotonic() - started


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "database_unavailable"
    assert "数据库" in answer.json()["error"]["message"]
    assert answer.headers["Retry-After"] == "3"


def assert_serving_from_memory(servers: Servers, session: Login) -> None:
    """Lint, suggest, /v2/check with a token and a session, and new sidebars, all answer promptly."""
    with_token = httpx.Client(
        base_url=servers.strict.url, headers={"Authorization": f"Bearer {servers.token}"}, timeout=10
    )
    for client in (with_token, browser(servers.strict, session)):
        with client:
            for path, body in (
                ("/v1/lint", {"json": {"text": "你好"}}),
                ("/v1/suggest", {"json": {"message": "能开发票吗"}}),
                ("/v2/check", {"data": {"text": "你好", "language": "zh-CN"}}),
            ):
                answer, took = timed(client.post, path, **body)
                assert answer.status_code == 200, answer.text
                assert took < SERVING_S
    # A new handshake with an already-used session, with login required.
    with socket_to(servers.strict, session.cookie) as ws:
        assert lints(ws)
    # With login optional: no cookie, and a cookie nobody can check now (anonymous, not a 500).
    for unknown in (None, "not-a-session-anyone-verified"):
        with socket_to(servers.open, unknown) as ws:
            assert lints(ws)
    # With login required, a session nobody can check now is told to come back (1013), not a 500.
    with socket_to(servers.strict, "not-a-session-anyone-verified") as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013


def outage_lines(server: LiveServer) -> tuple[int, list[str]]:
    log = log_of(server)
    return log.count("database unavailable"), re.findall(r"database back after .*", log)


def test_a_blackholed_database_answers_503_quickly_while_lint_and_sockets_serve(servers: Servers) -> None:
    session = login(servers.strict)
    with socket_to(servers.strict, session.cookie) as open_socket:
        assert lints(open_socket)  # the session is verified (and cached) before the outage
        lead = {"Authorization": f"Bearer {servers.lead}"}
        assert httpx.get(servers.strict.url + "/v1/phrases", headers=lead, timeout=10).status_code == 200
        agent = {"Authorization": f"Bearer {servers.token}"}  # the token, too, is used before the outage
        assert (
            httpx.post(servers.strict.url + "/v1/lint", json={"text": "你好"}, headers=agent, timeout=10).status_code
            == 200
        )

        servers.proxy.blackhole()
        try:
            # Many database requests at once: each answers 503 within the bound, none hangs.
            with ThreadPoolExecutor(40) as pool:
                calls = [pool.submit(timed, httpx.get, servers.open.url + "/v1/phrases", timeout=30) for _ in range(40)]
                calls += [
                    pool.submit(timed, httpx.get, servers.strict.url + "/v1/rules", headers=lead, timeout=30)
                    for _ in range(10)
                ]
                while not all(call.done() for call in calls):  # meanwhile the process answers
                    assert httpx.get(servers.open.url + "/healthz", timeout=SERVING_S).status_code == 200
                    time.sleep(0.2)
            for call in calls:
                answer, took = call.result()
                assert_unavailable(answer)
                assert took < BOUND_S
            print(
                f"50 requests at once on a blackholed database: slowest 503 in "
                f"{max(call.result()[1] for call in calls):.1f} s"
            )
            answer = httpx.get(servers.open.url + "/readyz", timeout=10)
            assert_unavailable(answer)
            assert open_socket is not None and lints(open_socket)
            assert_serving_from_memory(servers, session)
            for _ in range(100):  # a flood of failing requests is still one outage line
                assert httpx.get(servers.open.url + "/v1/phrases", timeout=BOUND_S).status_code == 503
        finally:
            servers.proxy.heal()

        deadline = time.monotonic() + BOUND_S
        while httpx.get(servers.open.url + "/v1/phrases", timeout=BOUND_S).status_code != 200:
            assert time.monotonic() < deadline, "the database is back but the server still answers 503"
            time.sleep(0.2)
        for server in (servers.open, servers.strict):  # each worker finds out by its own probe, within the bound
            deadline = time.monotonic() + BOUND_S
            while httpx.get(server.url + "/readyz", timeout=10).json() != {"database": "ok"}:
                assert time.monotonic() < deadline, f"{server.url} still not ready after the database came back"
                time.sleep(0.2)
        assert httpx.get(servers.strict.url + "/v1/rules", headers=lead, timeout=10).status_code == 200
        assert lints(open_socket)

    started, ended = outage_lines(servers.open)
    print("log:", ended)
    assert started == 1 and len(ended) == 1, log_of(servers.open)[-3000:]
    failed = int(re.search(r"(\d+) requests failed", ended[0]).group(1))  # type: ignore[union-attr]
    # The flood at least (of the 40 at once, those refused by the full gate before the outage was known
    # count as load, not as the outage's).
    assert failed >= 100
    for server in (servers.open, servers.strict):
        assert "Traceback" not in log_of(server)


def test_a_refused_database_answers_503_at_once_and_recovers(servers: Servers) -> None:
    session = login(servers.strict)
    with browser(servers.strict, session) as client:
        assert client.post("/v1/lint", json={"text": "你好"}).status_code == 200  # verified before the outage
    agent = {"Authorization": f"Bearer {servers.token}"}
    answer = httpx.post(servers.strict.url + "/v1/lint", json={"text": "你好"}, headers=agent, timeout=10)
    assert answer.status_code == 200
    before, _ = outage_lines(servers.open)
    servers.proxy.refuse()
    try:
        for _ in range(20):
            answer, took = timed(httpx.get, servers.open.url + "/v1/phrases", timeout=BOUND_S)
            assert_unavailable(answer)
            assert took < SERVING_S  # nothing to wait for: the connection is refused
        assert_unavailable(httpx.get(servers.open.url + "/readyz", timeout=10))
        assert_serving_from_memory(servers, session)
    finally:
        servers.proxy.heal()
    deadline = time.monotonic() + BOUND_S
    while httpx.get(servers.open.url + "/readyz", timeout=BOUND_S).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert httpx.get(servers.open.url + "/v1/phrases", timeout=10).status_code == 200
    after, _ = outage_lines(servers.open)
    assert after == before + 1
    assert "Traceback" not in log_of(servers.open)


def test_logging_out_drops_the_cached_session_at_once(servers: Servers) -> None:
    session = login(servers.strict)
    with browser(servers.strict, session) as client:
        assert client.post("/v1/lint", json={"text": "你好"}).status_code == 200  # cached now
        assert client.post("/v1/auth/logout").status_code == 204
    servers.proxy.refuse()
    try:  # even while the database cannot be asked, the session it just ended is not honoured here
        with browser(servers.strict, session) as client:
            answer = client.post("/v1/lint", json={"text": "你好"})
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "database_unavailable"
    finally:
        servers.proxy.heal()
