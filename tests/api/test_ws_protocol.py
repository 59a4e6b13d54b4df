"""The /ws/agent protocol, driven by a real `websockets` client against a real server on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from copilot.learn.mask import mask
from tests.conftest import LiveServer

TOKEN = "test-token-123"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # A burst allowance above the 300 drafts the coalescing test sends at once (the limit has its own tests)
    env = {"COPILOT_INTEGRATION_TOKEN": TOKEN, "COPILOT_WS_FRAME_BURST": "1000"}
    live = LiveServer(tmp_path_factory.mktemp("ws"), env=env).start()
    yield live
    live.stop()


@pytest.fixture
def ws(server: LiveServer) -> Iterator[ClientConnection]:
    with connect(server.url.replace("http", "ws") + "/ws/agent", open_timeout=10) as connection:
        yield connection


def ask(ws: ClientConnection, frame: dict | str) -> dict:
    ws.send(frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False))
    return json.loads(ws.recv(timeout=10))


def test_ping_gets_pong(ws: ClientConnection) -> None:
    assert ask(ws, {"type": "ping"}) == {"type": "pong"}


def test_customer_message_gets_suggestions(ws: ClientConnection) -> None:
    frame = ask(ws, {"type": "customer", "conversation": "c1", "text": "能开发票吗"})
    assert frame["type"] == "suggestions" and frame["conversation"] == "c1" and frame["message"] == "能开发票吗"
    assert frame["intents"][0]["id"] == "invoice" and frame["suggestions"][0]["intent"] == "invoice"
    assert {"complaint_type", "hints", "received_at"} <= set(frame)


def test_conversation_history_gives_context(ws: ClientConnection) -> None:
    ask(ws, {"type": "customer", "conversation": "ctx", "text": "能开发票吗"})
    frame = ask(ws, {"type": "customer", "conversation": "ctx", "text": "那个呢"})
    assert frame["intents"][0]["id"] == "invoice"


def test_draft_gets_lint_with_its_seq(ws: ClientConnection) -> None:
    frame = ask(ws, {"type": "draft", "conversation": "c1", "seq": 7, "text": "不好意思,你好"})
    assert frame["type"] == "lint" and frame["seq"] == 7 and frame["verdict"] == "warn"
    assert frame["fixed"] == "非常抱歉,您好"


def test_drafts_faster_than_lint_are_coalesced_and_never_go_backwards(ws: ClientConnection) -> None:
    for seq in range(1, 301):
        ws.send(json.dumps({"type": "draft", "seq": seq, "text": "不好意思" * (seq % 20 + 1)}))
    seqs = []
    while not seqs or seqs[-1] != 300:
        frame = json.loads(ws.recv(timeout=10))
        assert frame["type"] == "lint"
        seqs.append(frame["seq"])
    assert seqs == sorted(set(seqs))
    assert len(seqs) < 300  # older drafts were skipped
    ws.send(json.dumps({"type": "draft", "seq": 5, "text": "旧的"}))  # older than one answered: ignored
    assert ask(ws, {"type": "ping"}) == {"type": "pong"}


def test_profile_renders_the_agents_own_number(ws: ClientConnection) -> None:
    assert ask(ws, {"type": "profile", "agent_no": "27"}) == {"type": "profile", "agent_no": "27"}
    assert json.loads(ws.recv(timeout=10))["type"] == "conversations"  # the 工号 is the socket's agent now
    frame = ask(ws, {"type": "customer", "conversation": "p", "text": "在吗"})
    assert any("27号" in s["text"] for s in frame["suggestions"])


def test_search_finds_phrases_by_shortcut_code(ws: ClientConnection) -> None:
    frame = ask(ws, {"type": "search", "seq": 3, "q": "fp"})
    assert frame["type"] == "search" and frame["seq"] == 3
    assert frame["suggestions"] and all(s["shortcut"].startswith("fp") for s in frame["suggestions"])


def test_search_by_intent_lists_that_intents_phrases(ws: ClientConnection) -> None:
    # what a lint diagnostic's 换用“到货时间”话术 asks for
    frame = ask(ws, {"type": "search", "seq": 4, "intent": "delivery_time"})
    assert frame["seq"] == 4 and frame["intent"] == "delivery_time"
    assert frame["suggestions"] and {s["intent"] for s in frame["suggestions"]} == {"delivery_time"}


def test_search_for_an_unknown_intent_is_refused_in_chinese(ws: ClientConnection) -> None:
    frame = ask(ws, {"type": "search", "seq": 5, "intent": "shipping"})
    assert frame["type"] == "error" and "未知的意图" in frame["message"]


def test_used_and_sent_are_recorded(ws: ClientConnection) -> None:
    assert ask(ws, {"type": "used", "phrase": "invoice-01"}) == {"type": "recorded", "what": "used"}
    assert ask(ws, {"type": "sent", "conversation": "c1", "text": "好的呢"}) == {"type": "recorded", "what": "sent"}


@pytest.fixture(scope="module")
def lead(server: LiveServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.api_token('lead')}"}


@contextmanager
def sidebar(server: LiveServer, agent_no: str) -> Iterator[ClientConnection]:
    """A sidebar without a login, counted for agent `agent_no` (its 工号)."""
    with connect(server.url.replace("http", "ws") + "/ws/agent", open_timeout=10) as ws:
        assert ask(ws, {"type": "profile", "agent_no": agent_no})["type"] == "profile"
        assert json.loads(ws.recv(timeout=10))["type"] == "conversations"
        yield ws


def proposed(server: LiveServer, lead: dict[str, str], phrase: str, message: str) -> dict | None:
    """The pending candidate of `phrase` for `message`, once the worker's writer has recorded it (it flushes
    every half second)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        groups = httpx.get(server.url + "/v1/learn/candidates", headers=lead, timeout=10).json()
        for group in groups:
            for candidate in group["candidates"]:
                if group["phrase"]["id"] == phrase and candidate["message"] == message:
                    return dict(candidate)
        time.sleep(0.1)
    return None


def test_a_phrase_used_for_a_conversation_proposes_its_customer_message_masked(
    server: LiveServer, lead: dict[str, str]
) -> None:
    asked = "我手机13812345678，发票能寄到公司吗"
    with sidebar(server, "L1") as ws:
        assert ask(ws, {"type": "customer", "conversation": "learn-used", "text": asked})["type"] == "suggestions"
        assert ask(ws, {"type": "used", "phrase": "invoice-03"}) == {"type": "recorded", "what": "used"}  # old style
        used = {"type": "used", "phrase": "invoice-03", "conversation": "learn-used"}
        assert ask(ws, used) == {"type": "recorded", "what": "used"}
        assert ask(ws, used) == {"type": "recorded", "what": "used"}  # inserted twice for one message: chosen once
        missing = ask(ws, {"type": "used", "phrase": "invoice-03", "conversation": "learn-nothing-asked"})
        assert missing == {"type": "recorded", "what": "used"}  # no customer message there: nothing proposed
        # a new 工号 right behind a used frame: the choice stays with the agent who made it
        ask(ws, {"type": "customer", "conversation": "learn-switch", "text": "电子发票怎么下载"})
        ws.send(json.dumps({"type": "used", "phrase": "invoice-01", "conversation": "learn-switch"}))
        ws.send(json.dumps({"type": "profile", "agent_no": "L9"}))
        frames = [json.loads(ws.recv(timeout=10)) for _ in range(2)]
        while {"type": "recorded", "what": "used"} not in frames:
            frames.append(json.loads(ws.recv(timeout=10)))
    switched = proposed(server, lead, "invoice-01", "电子发票怎么下载")
    assert switched is not None and switched["agents"] == ["L1"]
    candidate = proposed(server, lead, "invoice-03", mask(asked))
    assert candidate is not None and "13812345678" not in candidate["message"]
    assert "发票能寄到公司吗" in candidate["message"]
    assert (candidate["count"], candidate["agents"], candidate["status"]) == (1, ["L1"], "pending")


def test_a_sent_reply_that_is_a_phrase_proposes_the_question_it_answered(
    server: LiveServer, lead: dict[str, str]
) -> None:
    title_question, invoice_question = "发票抬头可以写个人吗", "那发票多久能寄出来"
    edited = (
        "亲，开具公司抬头的发票需要提供完整的公司名称和纳税人识别号，个人抬头留下姓名就可以了，麻烦您在订单备注中填写哦"
    )
    invoice_03 = "亲，发票由财务统一开具，一般会在一个月内寄出，邮费由我们承担，寄出后我们会在订单中备注，请您耐心等待~"
    with sidebar(server, "L2") as ws:
        ask(ws, {"type": "customer", "conversation": "learn-sent", "text": title_question})
        assert ask(ws, {"type": "used", "phrase": "invoice-02", "conversation": "learn-sent"})["type"] == "recorded"
        # the phrase it inserted, a little edited: the same choice, not counted twice
        assert ask(ws, {"type": "sent", "conversation": "learn-sent", "text": edited}) == {
            "type": "recorded",
            "what": "sent",
        }
        # a second reply: the question is answered already, so this phrase is not proposed for it
        ask(ws, {"type": "sent", "conversation": "learn-sent", "text": invoice_03})
        ask(ws, {"type": "customer", "conversation": "learn-sent-2", "text": invoice_question})
        ask(ws, {"type": "sent", "conversation": "learn-sent-2", "text": invoice_03})  # typed, never inserted
    second = proposed(server, lead, "invoice-03", invoice_question)
    assert second is not None and (second["count"], second["agents"]) == (1, ["L2"])
    # written in order by one writer: everything before the last sighting is recorded by now
    first = proposed(server, lead, "invoice-02", title_question)
    assert first is not None and first["count"] == 1
    groups = httpx.get(server.url + "/v1/learn/candidates", headers=lead, timeout=10).json()
    assert not [
        c
        for g in groups
        for c in g["candidates"]
        if g["phrase"]["id"] == "invoice-03" and c["message"] == title_question
    ]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ({"conversation": "c1"}, "missing_type"),
        ({"type": "dance"}, "unknown_type"),
        ({"type": "draft", "seq": "7", "text": "x"}, "invalid_field"),
        ({"type": "customer", "conversation": "c1", "text": 42}, "invalid_field"),
        ({"type": "watch"}, "invalid_field"),
        ({"type": "draft", "seq": 1, "text": "好" * 8001}, "text_too_long"),
        ({"type": "customer", "conversation": "x" * 200, "text": "在吗"}, "invalid_field"),
    ],
)
def test_bad_frames_get_an_error_and_the_connection_stays_open(ws: ClientConnection, frame, code: str) -> None:
    answer = ask(ws, frame if isinstance(frame, str) else json.dumps(frame))
    assert answer["type"] == "error" and answer["code"] == code and answer["message"]
    assert ask(ws, {"type": "ping"}) == {"type": "pong"}


def test_a_frame_over_64_kib_closes_with_1009(ws: ClientConnection) -> None:
    ws.send(json.dumps({"type": "draft", "seq": 1, "text": "好" * 30000}))  # ~90 KB in UTF-8
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_platform_push_reaches_the_watching_sidebar(server: LiveServer, ws: ClientConnection) -> None:
    assert ask(ws, {"type": "watch", "conversation": "order-42"}) == {"type": "watching", "conversation": "order-42"}
    started = time.monotonic()
    response = httpx.post(
        server.url + "/v1/conversations/order-42/messages",
        json={"role": "customer", "text": "什么时候发货"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200 and response.json()["delivered"] == 1
    frame = json.loads(ws.recv(timeout=5))
    elapsed = time.monotonic() - started
    assert frame["type"] == "suggestions" and frame["conversation"] == "order-42"
    assert frame["intents"][0]["id"] == "ship_time"
    assert elapsed < 5  # the budget (100 ms) is measured by bench/ws_load.py, not asserted here
    assert ask(ws, {"type": "unwatch", "conversation": "order-42"})["type"] == "unwatched"
    again = httpx.post(
        server.url + "/v1/conversations/order-42/messages",
        json={"role": "customer", "text": "在吗"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert again.json()["delivered"] == 0


def test_an_agent_reply_pushed_by_the_platform_reaches_the_watching_sidebar(
    server: LiveServer, ws: ClientConnection
) -> None:
    ask(ws, {"type": "watch", "conversation": "order-43"})
    response = httpx.post(
        server.url + "/v1/conversations/order-43/messages",
        json={"role": "agent", "text": "亲,已经为您安排了"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200 and response.json()["delivered"] == 1
    assert json.loads(ws.recv(timeout=5)) == {
        "type": "agent_message",
        "conversation": "order-43",
        "text": "亲,已经为您安排了",
    }


def test_push_needs_the_integration_token(server: LiveServer) -> None:
    url = server.url + "/v1/conversations/c9/messages"
    body = {"role": "customer", "text": "在吗"}
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    bad = httpx.post(url, json={"role": "boss", "text": "x"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 422
    agent = httpx.post(url, json={"role": "agent", "text": "您好"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert agent.status_code == 200 and agent.json()["delivered"] == 0


def test_a_client_that_stops_reading_is_dropped_and_the_server_keeps_serving(server: LiveServer) -> None:
    """Pushes pile up for a sidebar that reads nothing (its own frames cannot: the server stops reading
    them instead, see test_ws_hostile.py)."""
    url = server.url.replace("http", "ws") + "/ws/agent"
    log = Path(server.log_path)
    text = "亲,已经为您安排了" * 800  # each pushed frame ~21 KB, so the socket's buffers fill soon
    # max_queue=1: the client library stops reading the socket once one frame waits unread
    with (
        connect(url, max_queue=1, open_timeout=10) as greedy,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as platform,
    ):
        greedy.send(json.dumps({"type": "watch", "conversation": "slow"}))
        deadline = time.monotonic() + 60
        while "stopped reading" not in log.read_text() and time.monotonic() < deadline:
            for _ in range(50):
                platform.post("/v1/conversations/slow/messages", json={"role": "agent", "text": text})
        assert "stopped reading" in log.read_text()
        with pytest.raises(ConnectionClosed):  # what was already sent, then the server's goodbye
            while True:
                greedy.recv(timeout=10)
    assert httpx.get(server.url + "/healthz").status_code == 200
