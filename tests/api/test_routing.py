"""Routing by agent (#11): pushes naming an agent reach its sidebars without a watch, focus switches them,
and a sidebar that gains an identity gets its agent's conversation list. One real server, real WebSocket
clients; the cross-worker side is in tests/live/test_routing_live.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import httpx2 as httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from copilot.store import Store
from tests.conftest import LiveServer, make_token

TOKEN = "routing-push-token"
PUSHED = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("routing"), env={"COPILOT_INTEGRATION_TOKEN": TOKEN}).start(timeout=120)
    yield live
    live.stop()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid4().hex[:6]}"


def sidebar(server: LiveServer, token: str | None = None) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return connect(server.url.replace("http", "ws") + "/ws/agent", open_timeout=10, additional_headers=headers)


def send(ws: ClientConnection, frame: dict[str, Any]) -> None:
    ws.send(json.dumps(frame, ensure_ascii=False))


def next_frame(ws: ClientConnection, wanted: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
    """The next frame (that `wanted` accepts, skipping others)."""
    while True:
        frame = json.loads(ws.recv(timeout=10))
        if wanted is None or wanted(frame):
            return frame


def as_agent(ws: ClientConnection, agent_no: str) -> list[dict[str, Any]]:
    """Set the sidebar's 工号; returns the conversations frame's list that follows the profile answer."""
    send(ws, {"type": "profile", "agent_no": agent_no})
    assert next_frame(ws) == {"type": "profile", "agent_no": agent_no}
    listed = next_frame(ws)
    assert listed["type"] == "conversations", listed
    return list(listed["conversations"])


def push(
    server: LiveServer, conversation: str, text: str, agent: str | None = None, role: str = "customer"
) -> dict[str, Any]:
    body = {"role": role, "text": text, **({"agent": agent} if agent is not None else {})}
    response = httpx.post(
        f"{server.url}/v1/conversations/{conversation}/messages", json=body, headers=PUSHED, timeout=30
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def focus(server: LiveServer, agent: str, conversation: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/agents/{agent}/focus", json={"conversation": conversation}, headers=PUSHED, timeout=30
    )


def nothing_more(ws: ClientConnection) -> None:
    """Nothing was queued for the sidebar before this: its next frame answers a ping sent now (a push is
    queued for every sidebar it reaches before the push's HTTP answer leaves)."""
    send(ws, {"type": "ping"})
    assert next_frame(ws) == {"type": "pong"}


def test_a_push_naming_a_logged_in_agent_reaches_its_sidebar_without_a_watch(server: LiveServer) -> None:
    name = unique("kf")
    store = Store.from_url(server.env["COPILOT_DATABASE_URL"])
    try:
        token = make_token(store, name, "agent")
    finally:
        store.dispose()
    conversation = unique("tb-")
    with sidebar(server, token) as ws:
        assert next_frame(ws) == {"type": "conversations", "conversations": []}  # the login is its identity
        answer = push(server, conversation, "什么时候发货", agent=name)
        assert answer["delivered"] == 1 and answer["agent"] == name
        frame = next_frame(ws)
        assert frame["type"] == "suggestions" and frame["conversation"] == conversation
        assert frame["message"] == "什么时候发货"
        # a 工号 does not replace a login: the sidebar stays the login's
        send(ws, {"type": "profile", "agent_no": "88"})
        assert next_frame(ws) == {"type": "profile", "agent_no": "88"}
        assert push(server, conversation, "到哪了")["delivered"] == 1
        assert next_frame(ws)["message"] == "到哪了"


def test_three_conversations_routed_to_one_agent_and_the_list_after_a_reconnect(server: LiveServer) -> None:
    agent = unique("27-")
    chats = [unique("tb-") for _ in range(3)]
    with sidebar(server) as ws, sidebar(server) as bystander:
        assert as_agent(ws, agent) == []
        as_agent(bystander, unique("other-"))
        for n, chat in enumerate(chats):
            assert push(server, chat, f"第{n}个问题：能开发票吗", agent=agent)["delivered"] == 1
        got = [next_frame(ws) for _ in chats]
        assert [(f["type"], f["conversation"]) for f in got] == [("suggestions", chat) for chat in chats]
        # later pushes without an agent follow the route: a customer message, then the agent's reply
        assert push(server, chats[0], "还有一个问题")["agent"] == agent
        assert next_frame(ws)["conversation"] == chats[0]
        reply = push(server, chats[1], "亲，已为您开好发票", role="agent")
        assert reply["delivered"] == 1 and reply["agent"] == agent
        assert next_frame(ws) == {"type": "agent_message", "conversation": chats[1], "text": "亲，已为您开好发票"}
        nothing_more(bystander)
    with sidebar(server) as reloaded:  # a reload rebuilds the list: longest waiting first, answered last
        listed = as_agent(reloaded, agent)
    assert [item["conversation"] for item in listed] == [chats[0], chats[2], chats[1]]
    first, third, answered = listed
    assert first["message"] == "还有一个问题" and first["unread"] == 2
    assert first["waiting_since"] < first["received_at"]  # waiting since its first, unanswered question
    assert third["unread"] == 1 and third["waiting_since"] == third["received_at"]
    assert answered["unread"] == 0 and answered["waiting_since"] is None
    assert answered["message"] == "第1个问题：能开发票吗"


def test_a_new_agent_no_moves_the_sidebar_to_that_agent(server: LiveServer) -> None:
    before, after, chat = unique("m1-"), unique("m2-"), unique("tb-")
    push(server, chat, "在吗", agent=after)
    with sidebar(server) as ws:
        assert as_agent(ws, before) == []
        listed = as_agent(ws, after)
        assert [item["conversation"] for item in listed] == [chat]
        assert push(server, unique("tb-"), "你好", agent=before)["delivered"] == 0
        nothing_more(ws)
        assert push(server, chat, "在吗在吗")["delivered"] == 1
        assert next_frame(ws)["message"] == "在吗在吗"
        send(ws, {"type": "profile", "agent_no": ""})  # no 工号 and no login: nobody's sidebar
        assert next_frame(ws) == {"type": "profile", "agent_no": ""}
        assert push(server, chat, "人呢")["delivered"] == 0
        nothing_more(ws)


def test_a_sidebar_both_watching_and_of_the_agent_gets_a_push_once(server: LiveServer) -> None:
    agent, chat = unique("w-"), unique("tb-")
    with sidebar(server) as ws, sidebar(server) as watcher:
        as_agent(ws, agent)
        for each in (ws, watcher):
            send(each, {"type": "watch", "conversation": chat})
            assert next_frame(each) == {"type": "watching", "conversation": chat}
        assert push(server, chat, "能便宜点吗", agent=agent)["delivered"] == 2
        assert next_frame(ws)["conversation"] == chat and next_frame(watcher)["conversation"] == chat
        nothing_more(ws)


def test_focus_over_http_and_as_a_frame_reaches_every_sidebar_of_the_agent(server: LiveServer) -> None:
    agent, chat, other = unique("f-"), unique("tb-"), unique("tb-")
    with sidebar(server) as one, sidebar(server) as two, sidebar(server) as stranger:
        for ws in (one, two):
            as_agent(ws, agent)
        response = focus(server, agent, chat)
        assert response.status_code == 200
        assert response.json() == {"agent": agent, "conversation": chat, "delivered": 2}
        for ws in (one, two):
            assert next_frame(ws) == {"type": "focus", "conversation": chat}
        send(one, {"type": "focus", "conversation": other})  # the sender's own sidebars, itself included
        for ws in (one, two):
            assert next_frame(ws) == {"type": "focus", "conversation": other}
        send(stranger, {"type": "focus", "conversation": chat})
        error = next_frame(stranger)
        assert error["type"] == "error" and error["code"] == "no_agent" and "工号" in error["message"]
    assert focus(server, unique("nobody-"), chat).json()["delivered"] == 0


@pytest.mark.parametrize(
    ("path_agent", "body", "field"),
    [
        ("kf1", {"conversation": ""}, "conversation"),
        ("kf1", {"conversation": "c" * 129}, "conversation"),
        ("kf1", {"conversation": "c1", "extra": 1}, "extra"),
        ("a" * 65, {"conversation": "c1"}, "agent"),
        ("kf1%20", {"conversation": "c1"}, "agent"),
    ],
)
def test_a_bad_focus_is_refused_in_chinese(
    server: LiveServer, path_agent: str, body: dict[str, Any], field: str
) -> None:
    response = httpx.post(f"{server.url}/v1/agents/{path_agent}/focus", json=body, headers=PUSHED, timeout=30)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in error["message"] and "请求有误" in error["message"]


def test_focus_and_a_routed_push_need_a_token_and_a_valid_agent(server: LiveServer) -> None:
    refused = httpx.post(f"{server.url}/v1/agents/kf1/focus", json={"conversation": "c1"}, timeout=30)
    assert refused.status_code == 401 and "令牌" in refused.json()["error"]["message"]
    for agent in ("", " kf1", "a" * 65, "kf\u0000"):
        response = httpx.post(
            f"{server.url}/v1/conversations/c1/messages",
            headers=PUSHED,
            timeout=30,
            json={"role": "customer", "text": "在吗", "agent": agent},
        )
        assert response.status_code == 422, (agent, response.text)
        assert "agent" in response.json()["error"]["message"]
    invalid = httpx.post(
        f"{server.url}/v1/conversations/c1/messages",
        headers=PUSHED,
        timeout=30,
        json={"role": "customer", "text": "在吗", "agent": "kf 1 "},
    ).json()["error"]
    assert "首尾不能有空白" in invalid["message"]
