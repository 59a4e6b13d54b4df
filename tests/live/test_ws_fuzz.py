"""A WebSocket frame fuzzer (#10): hypothesis-made frames over a real socket to a real server — random and
nested JSON, frames of every type with wrong fields, huge and negative seq, random Unicode, deep nesting,
binary junk and invalid UTF-8. Every frame must be answered (an error or a valid answer), the socket must
stay open, and the server must log no traceback. A bounded number of cases, so it runs on every CI run."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from copilot.api.frames import FRAME_TYPES
from tests.conftest import LiveServer

CASES = 300
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ANSWERS = {
    "error",
    "lint",
    "suggestions",
    "search",
    "watching",
    "unwatched",
    "recorded",
    "profile",
    "pong",
    "conversations",
    "focus",
}
FIELDS = ["conversation", "seq", "text", "q", "intent", "phrase", "agent_no", "role", "data"]

scalars = (
    st.none()
    | st.booleans()
    | st.floats()
    | st.text(max_size=40)
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.sampled_from([-1, 0, 2**31, 2**63, 10**30, "", "x" * 129, "invoice", "ship_time", "invoice-01"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=16,
)
# frames of every type (and some that are not), with fields of every kind
typed_frames = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from([*FRAME_TYPES, "bogus", 1, None, ["draft"]]),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4),
)
deep = st.integers(min_value=20, max_value=8000).flatmap(
    lambda n: st.sampled_from(
        [
            "[" * n + "]" * n,
            "[" * n,
            '{"a":' * n + "1" + "}" * n,
            '{"type": "draft", "seq": 1, "text": ' + "[" * n + "]" * n + "}",
        ]
    )
)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


frames = st.one_of(
    typed_frames.map(dumps),
    json_values.map(dumps),
    st.text(max_size=200),
    deep,
    st.binary(max_size=200),  # mostly invalid UTF-8
    typed_frames.map(lambda f: dumps(f).encode("utf-8")),  # binary frames of valid JSON
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # The fuzzer sends as fast as it can: the frame rate limit (tested elsewhere) would close it.
    live = LiveServer(tmp_path_factory.mktemp("fuzz"), env={"COPILOT_WS_FRAME_BURST": "100000"}).start(timeout=120)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def ws(server: LiveServer) -> Iterator[ClientConnection]:
    with connect(server.url.replace("http", "ws") + "/ws/agent", open_timeout=30) as connection:
        yield connection


markers = itertools.count()


def check_answer(frame: dict[str, Any]) -> None:
    assert frame.get("type") in ANSWERS, frame
    if frame["type"] == "error":
        assert isinstance(frame.get("code"), str) and CHINESE.search(frame.get("message", "")), frame


def test_every_fuzzed_frame_is_answered_and_the_socket_survives(server: LiveServer, ws: ClientConnection) -> None:
    log_seen = 0

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(frame=frames)
    def one_frame(frame: str | bytes) -> None:
        nonlocal log_seen
        # A marker after each frame: everything before its answer answers the fuzzed frame (lint answers
        # to drafts come from another task and may arrive later; a stale draft gets none).
        marker = f"marker-{next(markers)}"
        try:
            ws.send(frame)
            ws.send(dumps({"type": "search", "seq": 0, "q": marker}))
            answers = []
            while True:
                answer = json.loads(ws.recv(timeout=30))
                check_answer(answer)
                if answer["type"] == "search" and answer.get("q") == marker:
                    break
                answers.append(answer)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, f"socket dropped without a close frame after {frame!r:.200}"
            raise AssertionError(f"server closed the socket ({closed.rcvd}) after {frame!r:.200}") from None
        if not _may_go_unanswered(frame):
            # frames that wait on the database (watch, customer, sent…) are answered in their own queue, so
            # the marker's search may overtake their answer: it must still come
            try:
                while not [a for a in answers if a["type"] != "lint"]:
                    answers.append(json.loads(ws.recv(timeout=10)))
                    check_answer(answers[-1])
            except TimeoutError:
                raise AssertionError(f"no answer to {frame!r:.200}") from None
        log = server.log_path.read_text()
        assert "Traceback" not in log[log_seen:], f"{frame!r:.200} logged: {log[log_seen:][-2000:]}"
        log_seen = len(log)

    one_frame()


def _may_go_unanswered(frame: str | bytes) -> bool:
    """A draft is answered by the linter, later, and not at all when a newer one was answered already."""
    try:
        value = json.loads(frame)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, dict) and value.get("type") == "draft"
