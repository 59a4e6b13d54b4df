"""Routing, focus and re-linting across workers (#11): two `serve --workers 2` hosts over one database — SQLite
(polling), PostgreSQL (LISTEN/NOTIFY) and PostgreSQL with Redis pub/sub. A push or focus taken by one reaches
the agent's sidebar on the other; a rule saved through one re-lints a draft open on the other."""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx2 as httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.conftest import LiveServer
from tests.live.conftest import POSTGRES, PUSHED, REDIS, SQLITE, Deployment

# 可发送 under the default rules; TERM is this test's own (test_multiworker.py saves others on the same hosts)
DRAFT, TERM = "亲，这款是秒杀价，欢迎选购呢", "秒杀价"


@dataclass
class Pair:
    first: LiveServer  # the sidebars' server
    second: LiveServer  # the server the platform and the lead talk to
    lead: dict[str, str]


pytestmark = pytest.mark.parametrize("deployment", [SQLITE, POSTGRES, REDIS], indirect=True)


@pytest.fixture
def pair(deployment: Deployment) -> Pair:
    """The two hosts of the backend's shared deployment (tests/live/conftest.py)."""
    return Pair(deployment.hosts[0], deployment.hosts[1], deployment.lead)


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
        pushed = httpx.post(
            f"{pair.second.url}/v1/conversations/{chat}/messages",
            headers=PUSHED,
            timeout=30,
            json={"role": "customer", "text": "什么时候发货", "agent": agent},
        ).json()
        assert pushed["delivered"] == 2  # one sidebar on each worker, counted from the database
        for ws in (here, there):
            frame = next_frame(ws)
            assert frame["type"] == "suggestions" and frame["conversation"] == chat
        # routed already: a push without the agent, taken by the other worker, still finds it
        reply = httpx.post(
            f"{pair.second.url}/v1/conversations/{chat}/messages",
            headers=PUSHED,
            timeout=30,
            json={"role": "agent", "text": "亲，今天发货"},
        ).json()
        assert reply["agent"] == agent and reply["delivered"] == 2
        assert next_frame(here) == {"type": "agent_message", "conversation": chat, "text": "亲，今天发货"}
        assert next_frame(there)["type"] == "agent_message"
        focused = httpx.post(
            f"{pair.second.url}/v1/agents/{agent}/focus", headers=PUSHED, timeout=30, json={"conversation": chat}
        ).json()
        assert focused["delivered"] == 2
        assert next_frame(here) == next_frame(there) == {"type": "focus", "conversation": chat}
        send(there, {"type": "focus", "conversation": "tb-other"})  # a frame on one worker, both switch
        assert next_frame(here) == next_frame(there) == {"type": "focus", "conversation": "tb-other"}


def test_a_rule_saved_on_another_worker_relints_the_open_drafts(pair: Pair) -> None:
    long = DRAFT + "。" + "这款商品质量很好，欢迎选购。" * 15  # over INLINE_LINT_CHARS: re-linted on a thread
    drafts = {"tb-short": DRAFT, "tb-long": long}
    with ExitStack() as stack:
        sockets = {chat: stack.enter_context(sidebar(pair.first)) for chat in drafts}
        for chat, ws in sockets.items():
            send(ws, {"type": "draft", "conversation": chat, "seq": 5, "text": drafts[chat]})
            first = next_frame(ws)
            assert first["type"] == "lint" and first["seq"] == 5 and first["verdict"] == "ok"
            assert "relint" not in first
        created = httpx.post(
            f"{pair.second.url}/v1/rules", json={"kind": "forbid", "term": TERM}, headers=pair.lead, timeout=30
        )
        assert created.status_code == 201, created.text
        # no keystroke: the server re-lints the drafts it holds when the rule book on its worker swaps
        relinted = {chat: next_frame(ws) for chat, ws in sockets.items()}
    for chat, frame in relinted.items():
        assert frame["type"] == "lint" and frame["relint"] is True
        assert frame["seq"] == 5 and frame["conversation"] == chat
        assert frame["verdict"] == "block"
        assert created.json()["id"] in [d["rule"] for d in frame["diagnostics"]]
