"""/v1/users for admins, /v1/tokens for everyone's own tokens, and the WebSocket handshake's login."""

from __future__ import annotations

from pathlib import Path

import argon2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from copilot.auth.models import ApiToken
from copilot.config import Settings
from tests.auth.conftest import app_client, session_headers, token_headers
from tests.conftest import PASSWORD, make_user


def error(response: object) -> dict[str, str]:
    return response.json()["error"]  # type: ignore[attr-defined, no-any-return]


def test_user_management_is_for_admins_only(api: TestClient) -> None:
    store = api.app.state.services.store  # type: ignore[attr-defined]
    lead = token_headers(store, "lead")
    refused = api.post("/v1/users", json={"name": "bo", "role": "agent", "password": PASSWORD}, headers=lead)
    assert refused.status_code == 403 and "管理员(admin)" in error(refused)["message"]
    assert error(refused)["code"] == "role_required"
    admin = token_headers(store, "admin")
    created = api.post("/v1/users", json={"name": "小王", "role": "agent", "password": PASSWORD}, headers=admin)
    assert created.status_code == 201 and created.json()["name"] == "小王" and "password_hash" not in created.json()
    assert [u["name"] for u in api.get("/v1/users", headers=admin).json()] == ["admin", "agent", "lead", "小王"]
    assert api.post("/v1/auth/login", json={"name": "小王", "password": PASSWORD}).status_code == 200
    promoted = api.put("/v1/users/小王", json={"role": "lead"}, headers=admin)
    assert promoted.json()["role"] == "lead"
    assert api.get("/v1/auth/me").status_code == 401  # a role change ends the sessions
    assert api.delete("/v1/users/小王", headers=admin).status_code == 204
    assert api.delete("/v1/users/小王", headers=admin).status_code == 404


def test_account_mistakes_get_specific_answers(api: TestClient) -> None:
    admin = token_headers(api.app.state.services.store, "admin")  # type: ignore[attr-defined]
    taken = api.post("/v1/users", json={"name": "lead", "role": "agent", "password": PASSWORD}, headers=admin)
    assert taken.status_code == 409 and error(taken)["code"] == "user_exists"
    short = api.post("/v1/users", json={"name": "bo", "role": "agent", "password": "short"}, headers=admin)
    assert short.status_code == 422 and error(short)["message"] == "密码至少需要 8 个字符"
    odd = api.post("/v1/users", json={"name": "a b", "role": "agent", "password": PASSWORD}, headers=admin)
    assert odd.status_code == 422 and "用户名" in error(odd)["message"]
    role = api.post("/v1/users", json={"name": "bo", "role": "boss", "password": PASSWORD}, headers=admin)
    assert role.status_code == 422 and "role" in error(role)["message"]
    last = api.put("/v1/users/admin", json={"disabled": True}, headers=admin)
    assert last.status_code == 409 and error(last)["code"] == "last_admin"
    assert api.delete("/v1/users/admin", headers=admin).status_code == 409


def test_tokens_are_shown_once_stored_hashed_and_revocable(api: TestClient) -> None:
    store = api.app.state.services.store  # type: ignore[attr-defined]
    agent = session_headers(store, "agent")
    created = api.post("/v1/tokens", json={"label": "千牛插件"}, headers=agent)
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("kc_") and len(secret) >= 40
    listed = api.get("/v1/tokens", headers=agent).json()
    assert [t["label"] for t in listed] == ["千牛插件"] and "token" not in listed[0]
    with store.begin() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored and len(stored[0]) == 64
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/v1/auth/me", headers=bearer).json()["via"] == "token"
    assert api.get("/v1/tokens", headers=agent).json()[0]["last_used_at"] is not None
    other = token_headers(store, "lead")
    assert api.delete(f"/v1/tokens/{created.json()['id']}", headers=other).status_code == 404  # not theirs
    assert api.delete(f"/v1/tokens/{created.json()['id']}", headers=agent).status_code == 204
    revoked = api.get("/v1/auth/me", headers=bearer)
    assert revoked.status_code == 401 and error(revoked)["code"] == "token_invalid"
    assert "www-authenticate" in revoked.headers


def test_an_admin_may_revoke_anyones_token(api: TestClient) -> None:
    store = api.app.state.services.store  # type: ignore[attr-defined]
    agent = token_headers(store, "agent")
    token_id = api.get("/v1/tokens", headers=agent).json()[0]["id"]
    assert api.delete(f"/v1/tokens/{token_id}", headers=token_headers(store, "admin")).status_code == 204
    assert api.get("/v1/tokens", headers=agent).status_code == 401


def test_any_api_token_may_push_platform_messages(api: TestClient) -> None:
    agent = token_headers(api.app.state.services.store, "agent")  # type: ignore[attr-defined]
    pushed = api.post("/v1/conversations/c9/messages", json={"role": "customer", "text": "能开发票吗"}, headers=agent)
    assert pushed.status_code == 200 and pushed.json()["delivered"] == 0
    anonymous = api.post("/v1/conversations/c9/messages", json={"role": "customer", "text": "在吗"})
    assert anonymous.status_code == 401 and "Bearer" in error(anonymous)["message"]


def test_the_default_password_cost_is_argon2_cffis_recommended_profile() -> None:
    profile = argon2.profiles.RFC_9106_LOW_MEMORY
    settings = Settings()
    assert (settings.password_time_cost, settings.password_memory_kib) == (profile.time_cost, profile.memory_cost)


def socket_agent(client: TestClient, url: str, headers: dict[str, str] | None = None) -> str | None | int:
    """The user name the hub recorded for the connection, or the code it was closed with."""
    with client.websocket_connect(url, headers=headers or {}) as socket:
        try:
            socket.send_json({"type": "ping"})
            while socket.receive_json()["type"] != "pong":  # a logged-in socket also gets its conversations
                pass
        except WebSocketDisconnect as exc:
            return exc.code
        hub = client.app.state.services.hub  # type: ignore[attr-defined]
        socket.send_json({"type": "watch", "conversation": "who"})
        while socket.receive_json()["type"] != "watching":
            pass
        return next(iter(hub.registry.watchers["who"])).agent


@pytest.mark.parametrize("require_login", [False, True], ids=["open", "require_login"])
def test_the_socket_knows_its_agent_by_cookie_token_or_header(
    tmp_path: Path, database_url: str, phrasebank_dir: Path, require_login: bool
) -> None:
    with app_client(tmp_path, database_url, phrasebank_dir, require_login=require_login) as client:
        store = client.app.state.services.store  # type: ignore[attr-defined]
        make_user(store, "amy", "agent")
        secret = token_headers(store, "amy")["Authorization"].split()[1]
        assert socket_agent(client, "/ws/agent", {"Cookie": session_headers(store, "amy")["Cookie"]}) == "amy"
        assert socket_agent(client, f"/ws/agent?token={secret}") == "amy"
        assert socket_agent(client, "/ws/agent", {"Authorization": f"Bearer {secret}"}) == "amy"
        expired = session_headers(store, "amy", expired=True)
        if require_login:
            assert socket_agent(client, "/ws/agent") == 4401
            assert socket_agent(client, "/ws/agent?token=kc_wrong") == 4401
            assert socket_agent(client, "/ws/agent", {"Cookie": expired["Cookie"]}) == 4401
        else:
            assert socket_agent(client, "/ws/agent") is None
            assert socket_agent(client, "/ws/agent?token=kc_wrong") is None


def test_a_refused_socket_hears_why_in_chinese(tmp_path: Path, database_url: str, phrasebank_dir: Path) -> None:
    with app_client(tmp_path, database_url, phrasebank_dir, require_login=True) as client:
        with client.websocket_connect("/ws/agent") as socket, pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
        assert closed.value.code == 4401 and "请先登录" in closed.value.reason


def test_the_sidebar_page_offers_a_login_form_when_login_is_required(
    tmp_path: Path, database_url: str, phrasebank_dir: Path
) -> None:
    with app_client(tmp_path, database_url, phrasebank_dir, require_login=True) as client:
        page = client.get("/")
        assert page.status_code == 401 and "登录" in page.text
        assert '<script type="module" src="/static/login.js">' in page.text
        assert "/v1/auth/login" in client.get("/static/login.js").text  # the form's script, open to anyone
        make_user(client.app.state.services.store, "amy", "agent")  # type: ignore[attr-defined]
        client.post("/v1/auth/login", json={"name": "amy", "password": PASSWORD})
        assert client.get("/").status_code == 200
