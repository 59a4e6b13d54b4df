"""Who may do what: every route of the app, for every kind of caller, with and without COPILOT_REQUIRE_LOGIN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from copilot.auth.roles import at_least
from tests.auth.conftest import Caller, app_client, make_callers
from tests.conftest import make_user

OPEN = "open"  # anyone, always
READ = "read"  # anyone; agents and up when COPILOT_REQUIRE_LOGIN=true
AGENT = "agent"  # any logged-in user
LEAD = "lead"
ADMIN = "admin"
PUSH = "push"  # a bearer token of any role (or the integration token); a browser session is not enough

# Every route of the app. A route missing here fails the test: a new route has to say who may call it.
ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): OPEN,
    ("GET", "/metrics"): OPEN,  # off with COPILOT_METRICS=false; kept off the public proxy (docs/deploy.md)
    ("GET", "/readyz"): OPEN,
    ("GET", "/favicon.ico"): OPEN,
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/redoc"): OPEN,
    ("POST", "/v1/auth/login"): OPEN,
    ("POST", "/v1/auth/logout"): OPEN,
    ("GET", "/v1/auth/me"): AGENT,
    ("GET", "/"): READ,
    ("GET", "/editor"): OPEN,
    ("WS", "/ws/agent"): READ,
    ("POST", "/v1/lint"): READ,
    ("GET", "/v2/languages"): READ,
    ("GET", "/v2/check"): READ,
    ("POST", "/v2/check"): READ,
    ("POST", "/v1/suggest"): READ,
    ("GET", "/v1/meta"): READ,
    ("GET", "/v1/phrases"): READ,
    ("GET", "/v1/phrases/export"): READ,
    ("GET", "/v1/phrases/{phrase_id}"): READ,
    ("GET", "/v1/phrases/{phrase_id}/history"): READ,
    ("POST", "/v1/phrases"): LEAD,
    ("PUT", "/v1/phrases/{phrase_id}"): LEAD,
    ("DELETE", "/v1/phrases/{phrase_id}"): LEAD,
    ("POST", "/v1/phrases/{phrase_id}/restore"): LEAD,
    ("POST", "/v1/phrases/import"): LEAD,
    ("GET", "/v1/trash/phrases"): READ,
    ("GET", "/v1/rules"): READ,
    ("GET", "/v1/rules/{rule_id}"): READ,
    ("GET", "/v1/rules/{rule_id}/history"): READ,
    ("POST", "/v1/rules"): LEAD,
    ("PUT", "/v1/rules/{rule_id}"): LEAD,
    ("DELETE", "/v1/rules/{rule_id}"): LEAD,
    ("POST", "/v1/rules/{rule_id}/restore"): LEAD,
    ("GET", "/v1/stats"): LEAD,
    ("GET", "/v1/stats/export.csv"): LEAD,
    ("GET", "/v1/stats/agents"): AGENT,  # an agent sees only their own row
    ("GET", "/v1/stats/agents/export.csv"): LEAD,
    ("GET", "/v1/stats/days/export.csv"): LEAD,
    ("POST", "/v1/conversations/{conversation}/messages"): PUSH,
    ("POST", "/v1/agents/{agent}/focus"): PUSH,
    ("POST", "/v1/learn/chatlogs"): LEAD,
    ("GET", "/v1/learn/chatlogs"): LEAD,
    ("GET", "/v1/learn/chatlogs/{upload_id}"): LEAD,
    ("POST", "/v1/learn/chatlogs/{upload_id}/cancel"): LEAD,
    ("DELETE", "/v1/learn/chatlogs/{upload_id}"): LEAD,
    ("GET", "/v1/learn/gaps"): LEAD,
    ("POST", "/v1/learn/gaps/{gap_id}/dismiss"): LEAD,
    ("GET", "/v1/learn/candidates"): LEAD,
    ("POST", "/v1/learn/candidates/{candidate_id}/accept"): LEAD,
    ("POST", "/v1/learn/candidates/{candidate_id}/reject"): LEAD,
    ("POST", "/v1/learn/candidates/{candidate_id}/move"): LEAD,
    ("GET", "/v1/users"): ADMIN,
    ("POST", "/v1/users"): ADMIN,
    ("PUT", "/v1/users/{name}"): ADMIN,
    ("DELETE", "/v1/users/{name}"): ADMIN,
    ("GET", "/v1/tokens"): AGENT,
    ("POST", "/v1/tokens"): AGENT,
    ("DELETE", "/v1/tokens/{token_id}"): AGENT,
}
# Path parameters that name nothing: an admitted request ends in 404 or 422, never in a changed fixture.
PARAMS = {
    "name": "nobody",
    "token_id": "999999",
    "conversation": "c1",
    "agent": "nobody",
    "gap_id": "999999",
    "candidate_id": "999999",
}


def admitted(access: str, caller: Caller, require_login: bool) -> bool:
    """What the table says should happen to this caller."""
    if access == OPEN or (access == READ and not require_login):
        return True
    if caller.role is None:
        return False
    if access in (READ, AGENT):
        return True
    if access == PUSH:
        return caller.via == "token"
    return at_least(caller.role, access)


def app_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened; WebSocket routes as WS."""
    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        if isinstance(context.original_route, WebSocketRoute):
            found.append(("WS", str(context.path)))
        elif isinstance(context.original_route, Route):  # APIRoute too; the /static mount serves files only
            found.extend((method, str(context.path)) for method in sorted(context.methods or ()) if method != "HEAD")
    assert len(found) > 30, found  # a FastAPI that stopped flattening routers must not pass this test vacuously
    return found


def call(client: TestClient, method: str, path: str, caller: Caller) -> int | str:
    """The status of one request, or for the WebSocket "open" / the close code that refused it."""
    url = re.sub(r"\{(\w+)\}", lambda m: PARAMS.get(m.group(1), "nope"), path)
    if method == "WS":
        return socket_outcome(client, url, caller.headers)
    body = {"json": {}} if method in ("POST", "PUT") else {}
    return client.request(method, url, headers=caller.headers, **body).status_code  # type: ignore[arg-type]


def socket_outcome(client: TestClient, url: str, headers: dict[str, str]) -> int | str:
    """ "open" when a ping gets its pong, else the close code the server sent."""
    with client.websocket_connect(url, headers=headers) as socket:
        try:
            socket.send_json({"type": "ping"})
            answer = socket.receive_json()
            if answer["type"] == "conversations":  # a logged-in socket's list of its conversations
                answer = socket.receive_json()
            return "open" if answer["type"] == "pong" else "unexpected"
        except WebSocketDisconnect as exc:
            return exc.code


def is_refusal(outcome: int | str) -> bool:
    return outcome in (401, 403, 4401)


@pytest.mark.parametrize("require_login", [False, True], ids=["open", "require_login"])
def test_every_route_admits_and_refuses_exactly_whom_the_table_says(
    tmp_path: Path, database_url: str, phrasebank_dir: Path, require_login: bool
) -> None:
    with app_client(
        tmp_path, database_url, phrasebank_dir, require_login=require_login, integration_token="platform-secret"
    ) as client:
        store = client.app.state.services.store  # type: ignore[attr-defined]
        for role in ("agent", "lead", "admin"):
            make_user(store, role, role)
        routes = app_routes(client)
        unlisted = [route for route in routes if route not in ACCESS]
        assert unlisted == [], f"classify these routes in ACCESS: {unlisted}"
        wrong = []
        for method, path in routes:
            access = ACCESS[(method, path)]
            for caller in make_callers(store):  # fresh sessions and tokens: a logout must not spoil the next route
                outcome = call(client, method, path, caller)
                if outcome == 500 or is_refusal(outcome) == admitted(access, caller, require_login):
                    wrong.append(f"{method} {path} [{access}] {caller.label}: {outcome}")
        assert wrong == []


def test_every_route_in_the_table_exists(tmp_path: Path) -> None:
    from copilot.api.app import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert set(ACCESS) - set(app_routes(client)) == set()


def test_the_integration_token_may_push_but_do_nothing_else(
    tmp_path: Path, database_url: str, phrasebank_dir: Path
) -> None:
    with app_client(tmp_path, database_url, phrasebank_dir, integration_token="platform-secret") as client:
        headers = {"Authorization": "Bearer platform-secret"}
        pushed = client.post("/v1/conversations/c1/messages", json={"role": "agent", "text": "您好"}, headers=headers)
        assert pushed.status_code == 200
        refused = client.post("/v1/phrases", json={}, headers=headers)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_invalid"
