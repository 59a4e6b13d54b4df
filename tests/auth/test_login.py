"""Logging in and out over HTTP: the cookie, CSRF, the rate limit, disabled users, and clear answers."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select

from copilot.auth.models import LoginSession, User
from tests.auth.conftest import app_client, token_headers
from tests.conftest import PASSWORD, make_user

NEW = {
    "title": "有赠品",
    "body": "亲,下单即送精美小礼品一份~",
    "intent": "promotion",
    "group": "售前",
    "shortcut": "zp1",
    "keywords": ["赠品"],
    "examples": ["有赠品吗"],
}


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, object]:
    response = client.post("/v1/auth/login", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def error(response: object) -> dict[str, str]:
    return response.json()["error"]  # type: ignore[attr-defined, no-any-return]


def test_login_sets_a_strict_httponly_cookie_and_me_and_logout_work(api: TestClient) -> None:
    response = api.post("/v1/auth/login", json={"name": "lead", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"name": "lead", "role": "lead"} and len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("kefu_session=") and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/" in cookie and "max-age=43200" in cookie and "secure" not in cookie  # plain http here
    me = api.get("/v1/auth/me").json()
    assert me == {"user": {"name": "lead", "role": "lead"}, "via": "session", "csrf_token": body["csrf_token"]}
    assert api.post("/v1/auth/logout").status_code == 403  # logging out is a write: CSRF header needed
    assert api.post("/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 204
    gone = api.get("/v1/auth/me")
    assert gone.status_code == 401 and "登录" in error(gone)["message"]


def test_the_session_cookie_is_secure_over_https(api: TestClient) -> None:
    response = api.post("https://testserver/v1/auth/login", json={"name": "agent", "password": PASSWORD})
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_cookie_write_needs_the_csrf_header_and_a_bearer_write_does_not(api: TestClient) -> None:
    csrf = log_in(api, "lead")["csrf_token"]
    refused = api.post("/v1/phrases", json=NEW)
    assert refused.status_code == 403 and error(refused)["code"] == "csrf_failed"
    assert "X-CSRF-Token" in error(refused)["message"]
    wrong = api.post("/v1/phrases", json=NEW, headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status_code == 403 and error(wrong)["code"] == "csrf_failed"
    created = api.post("/v1/phrases", json=NEW, headers={"X-CSRF-Token": str(csrf)})
    assert created.status_code == 201
    assert api.get(f"/v1/phrases/{created.json()['id']}/history").json()[0]["changed_by"] == "lead"
    api.cookies.clear()
    bearer = token_headers(api.app.state.services.store, "lead")  # type: ignore[attr-defined]
    assert api.post("/v1/phrases", json=NEW | {"shortcut": "zp2"}, headers=bearer).status_code == 201


def test_ten_wrong_passwords_get_429_in_chinese_and_then_even_the_right_one_waits(api: TestClient) -> None:
    answers = [api.post("/v1/auth/login", json={"name": "agent", "password": f"wrong-{n}"}) for n in range(10)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 5
    assert error(answers[0]) == {"code": "login_failed", "message": "用户名或密码错误"}
    limited = answers[-1]
    assert error(limited)["code"] == "too_many_attempts" and "登录失败次数过多" in error(limited)["message"]
    assert "分钟后再试" in error(limited)["message"]
    assert 800 < int(limited.headers["retry-after"]) <= 900
    right = api.post("/v1/auth/login", json={"name": "agent", "password": PASSWORD})
    assert right.status_code == 429 and "set-cookie" not in right.headers
    assert api.post("/v1/auth/login", json={"name": "lead", "password": PASSWORD}).status_code == 200


def test_one_address_guessing_many_names_is_limited_too(
    tmp_path: Path, database_url: str, phrasebank_dir: Path
) -> None:
    with app_client(tmp_path, database_url, phrasebank_dir, login_ip_max_failures=3) as client:
        codes = [
            client.post("/v1/auth/login", json={"name": f"user{n}", "password": "x" * 8}).status_code for n in range(4)
        ]
        assert codes == [401, 401, 401, 429]


def test_a_good_login_forgets_earlier_typos(api: TestClient) -> None:
    for _ in range(4):
        api.post("/v1/auth/login", json={"name": "agent", "password": "typo-typo"})
    log_in(api, "agent")
    for _ in range(4):
        assert api.post("/v1/auth/login", json={"name": "agent", "password": "typo-typo"}).status_code == 401


def test_a_disabled_user_cannot_log_in_and_loses_sessions_and_tokens(api: TestClient) -> None:
    store = api.app.state.services.store  # type: ignore[attr-defined]
    bearer = token_headers(store, "agent")
    log_in(api, "agent")
    admin = token_headers(store, "admin")
    assert api.put("/v1/users/agent", json={"disabled": True}, headers=admin).status_code == 200
    assert api.get("/v1/auth/me").status_code == 401
    assert api.get("/v1/auth/me", headers=bearer).status_code == 401
    refused = api.post("/v1/auth/login", json={"name": "agent", "password": PASSWORD})
    assert refused.status_code == 403 and error(refused) == {
        "code": "account_disabled",
        "message": "该账号已停用,请联系管理员",
    }
    assert api.post("/v1/auth/login", json={"name": "agent", "password": "wrong-one"}).status_code == 401


def test_passwords_are_stored_as_argon2id_never_as_text(api: TestClient) -> None:
    with api.app.state.services.store.begin() as session:  # type: ignore[attr-defined]
        hashes = session.scalars(select(User.password_hash)).all()
    assert len(hashes) == 3 and all(h.startswith("$argon2id$v=19$m=1024,t=1,") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)


def test_a_raised_cost_setting_rehashes_at_the_next_login(
    tmp_path: Path, database_url: str, phrasebank_dir: Path
) -> None:
    with app_client(tmp_path, database_url, phrasebank_dir) as client:
        make_user(client.app.state.services.store, "amy", "agent")  # type: ignore[attr-defined]
    with app_client(tmp_path, database_url, phrasebank_dir, password_time_cost=2) as client:
        log_in(client, "amy")
        with client.app.state.services.store.begin() as session:  # type: ignore[attr-defined]
            assert session.scalar(select(User.password_hash)).startswith("$argon2id$v=19$m=1024,t=2,")


def test_sessions_are_stored_hashed(api: TestClient) -> None:
    log_in(api, "agent")
    cookie = api.cookies["kefu_session"]
    with api.app.state.services.store.begin() as session:  # type: ignore[attr-defined]
        ids = session.scalars(select(LoginSession.id_hash)).all()
    assert len(ids) == 1 and ids[0] != cookie and len(ids[0]) == 64


def post_json(client: TestClient, url: str, body: object, headers: dict[str, str] | None = None) -> Response:
    """POST JSON with \\u escapes, so NUL and lone surrogates arrive as a real client could send them."""
    return client.post(url, content=json.dumps(body), headers={**(headers or {}), "content-type": "application/json"})


def test_odd_characters_get_a_clear_answer_never_a_500(api: TestClient) -> None:
    for name, password in (("a\x00b", PASSWORD), ("agent", "\x00" * 8)):
        assert post_json(api, "/v1/auth/login", {"name": name, "password": password}).status_code == 401
    surrogate = post_json(api, "/v1/auth/login", {"name": "agent", "password": "ab\ud800cdefgh"})
    assert surrogate.status_code == 422 and "password: 包含无效的字符" in error(surrogate)["message"]
    admin = token_headers(api.app.state.services.store, "admin")  # type: ignore[attr-defined]
    assert api.put("/v1/users/a%00b", json={}, headers=admin).status_code == 404
    user = {"name": "bo", "role": "agent", "password": "abcdefgh\ud800"}
    assert post_json(api, "/v1/users", user, admin).status_code == 422
    assert post_json(api, "/v1/tokens", {"label": "a\x00"}, admin).status_code == 422


def test_bad_login_requests_get_clear_422s(api: TestClient) -> None:
    missing = api.post("/v1/auth/login", json={"name": "agent"})
    assert missing.status_code == 422 and "password" in error(missing)["message"]
    form = api.post("/v1/auth/login", content=b"name=agent", headers={"content-type": "text/plain"})
    assert form.status_code == 415 and error(form)["code"] == "unsupported_media_type"  # names the type it needs
    assert api.post("/v1/auth/login", json={"name": "a" * 65, "password": PASSWORD}).status_code == 422
