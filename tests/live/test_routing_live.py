"""Routing, focus and re-linting across workers (#11): two `serve` processes over one database — SQLite
(polling), PostgreSQL (LISTEN/NOTIFY) and PostgreSQL with Redis pub/sub. A push or focus taken by one reaches
the agent's sidebar on the other; a rule saved through one re-lints a draft open on the other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx2 as httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from copilot.config import PROJECT_ROOT
from copilot.store import open_store
from tests.conftest import POSTGRES_ONLY, LiveServer, fresh_database, make_token
from tests.live.test_multiworker import redis_url

TOKEN = "routing-live-token"
PUSHED = {"Authorization": f"Bearer {TOKEN}"}
DRAFT = "亲，这款是秒杀价，错过等一年呢"  # 可发送 under the default rules


@dataclass
class Pair:
    first: LiveServer  # the sidebars' server
    second: LiveServer  # the server the platform and the lead talk to
    lead: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=POSTGRES_ONLY),
                                        pytest.param("redis", marks=POSTGRES_ONLY)])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    extra = {}
    if request.param == "redis":
        url = redis_url()
        if url is None:
            pytest.skip("no Redis answers at COPILOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/13)")
        extra = {"COPILOT_REDIS_URL": url, "COPILOT_REDIS_PREFIX": f"test-{uuid4().hex}"}
    folder = tmp_path_factory.mktemp("routing-live")
    database = "sqlite" if request.param == "sqlite" else "postgres"
    with fresh_database(database, folder) as url, ExitStack() as stack:
        store = open_store(url, PROJECT_ROOT / "phrasebank")
        try:
            lead = make_token(store, "routing-lead", "lead")
        finally:
            store.dispose()
        env = {"COPILOT_DATABASE_URL": url, "COPILOT_INTEGRATION_TOKEN": TOKEN, **extra}
        servers = [LiveServer(folder, env=env) for _ in range(2)]
        for server in servers:
            stack.callback(server.stop)
        with ThreadPoolExecutor(2) as starting:  # together: each takes seconds to load its models
            list(starting.map(lambda server: server.start(timeout=120), servers))
        yield Pair(servers[0], servers[1], {"Authorization": f"Bearer {lead}"})


def sidebar(server: LiveServer) -> ClientConnection:
    return connect(server.url.replace("http", "ws") + "/ws/agent", open_timeout=10)


def send(ws: ClientConnection, frame: dict[str, Any]) -> None:
    ws.send(json.dumps(frame, ensure_ascii=False))


def next_frame(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(ws.recv(timeout=15)))


def as_agent(ws: ClientConnection, agent_no: str) -> None:
    send(ws, {"type": "profile", "agent_no": agent_no})
    assert next_frame(ws)["type"] == "profile"
    assert next_frame(ws)["type"] == "conversations"


def test_pushes_and_focus_reach_the_agents_sidebar_on_another_worker(pair: Pair) -> None:
    agent, chat = f"x{uuid4().hex[:6]}", f"tb-{uuid4().hex[:6]}"
    with sidebar(pair.first) as here, sidebar(pair.second) as there:
        as_agent(here, agent)
        as_agent(there, agent)
        pushed = httpx.post(f"{pair.second.url}/v1/conversations/{chat}/messages", headers=PUSHED, timeout=30,
                            json={"role": "customer", "text": "什么时候发货", "agent": agent}).json()
        assert pushed["delivered"] == 2  # one sidebar on each worker, counted from the database
        for ws in (here, there):
            frame = next_frame(ws)
            assert frame["type"] == "suggestions" and frame["conversation"] == chat
        # routed already: a push without the agent, taken by the other worker, still finds it
        reply = httpx.post(f"{pair.second.url}/v1/conversations/{chat}/messages", headers=PUSHED, timeout=30,
                           json={"role": "agent", "text": "亲，今天发货"}).json()
        assert reply["agent"] == agent and reply["delivered"] == 2
        assert next_frame(here) == {"type": "agent_message", "conversation": chat, "text": "亲，今天发货"}
        assert next_frame(there)["type"] == "agent_message"
        focused = httpx.post(f"{pair.second.url}/v1/agents/{agent}/focus", headers=PUSHED, timeout=30,
                             json={"conversation": chat}).json()
        assert focused["delivered"] == 2
        assert next_frame(here) == next_frame(there) == {"type": "focus", "conversation": chat}
        send(there, {"type": "focus", "conversation": "tb-other"})  # a frame on one worker, both switch
        assert next_frame(here) == next_frame(there) == {"type": "focus", "conversation": "tb-other"}


def test_a_rule_saved_on_another_worker_relints_the_open_draft(pair: Pair) -> None:
    with sidebar(pair.first) as ws:
        send(ws, {"type": "draft", "conversation": "tb-relint", "seq": 5, "text": DRAFT})
        first = next_frame(ws)
        assert first["type"] == "lint" and first["seq"] == 5 and first["verdict"] == "ok" and "relint" not in first
        created = httpx.post(f"{pair.second.url}/v1/rules", json={"kind": "forbid", "term": "错过等一年"},
                             headers=pair.lead, timeout=30)
        assert created.status_code == 201, created.text
        # no keystroke: the server re-lints the draft it holds when the rule book on its worker swaps
        relinted = next_frame(ws)
    assert relinted["type"] == "lint" and relinted["relint"] is True
    assert relinted["seq"] == 5 and relinted["conversation"] == "tb-relint"
    assert relinted["verdict"] == "block"
    assert created.json()["id"] in [d["rule"] for d in relinted["diagnostics"]]
