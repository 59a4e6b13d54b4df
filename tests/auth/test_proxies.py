"""X-Forwarded-For and X-Forwarded-Proto are believed only from COPILOT_TRUSTED_PROXIES: for the login limit
per address and for the session cookie's Secure flag."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.api.client import TrustedProxies, forwarded_client
from tests.conftest import PASSWORD, make_settings, make_user

PROXY = "10.0.0.5"
TRUSTED = TrustedProxies(["10.0.0.0/24", "fd00::/8"])


@contextmanager
def app_from(tmp_path: Path, peer: str, **settings: object) -> Iterator[TestClient]:
    """The app as a client at address `peer` reaches it."""
    app = create_app(make_settings(tmp_path, **settings))
    with TestClient(app, client=(peer, 40000)) as client:
        make_user(app.state.services.store, "amy", "agent")
        yield client


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        ("203.0.113.9", ["1.2.3.4"], "203.0.113.9"),  # not a proxy of ours: its header is whatever it likes
        (PROXY, ["1.2.3.4"], "1.2.3.4"),
        (PROXY, ["6.6.6.6, 1.2.3.4"], "1.2.3.4"),  # the client wrote 6.6.6.6 itself; our proxy appended 1.2.3.4
        (PROXY, ["1.2.3.4, 10.0.0.7"], "1.2.3.4"),  # two proxies of ours
        (PROXY, ["1.2.3.4", "10.0.0.7"], "1.2.3.4"),  # the same, as two header lines
        (PROXY, [], PROXY),
        (PROXY, ["not-an-address"], PROXY),
        ("fd00::1", ["2001:db8::7"], "2001:db8::7"),
    ],
)
def test_the_client_address_is_the_nearest_hop_no_trusted_proxy_vouches_for(
    peer: str, header: list[str], client: str
) -> None:
    assert forwarded_client(peer, header, TRUSTED) == client


def test_nobody_is_trusted_by_default() -> None:
    assert forwarded_client("127.0.0.1", ["1.2.3.4"], TrustedProxies([])) == "127.0.0.1"


def wrong_logins(client: TestClient, forwarded_for: list[str]) -> list[int]:
    return [
        client.post(
            "/v1/auth/login", json={"name": f"user{n}", "password": "x" * 8}, headers={"X-Forwarded-For": ip}
        ).status_code
        for n, ip in enumerate(forwarded_for)
    ]


def test_a_forged_forwarded_for_does_not_escape_the_per_address_limit(tmp_path: Path) -> None:
    with app_from(tmp_path, "203.0.113.9", login_ip_max_failures=3) as client:
        assert wrong_logins(client, ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"]) == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_count(tmp_path: Path) -> None:
    with app_from(tmp_path, PROXY, login_ip_max_failures=3, trusted_proxies=["10.0.0.0/24"]) as client:
        assert wrong_logins(client, ["1.1.1.1"] * 4) == [401, 401, 401, 429]
        assert wrong_logins(client, ["2.2.2.2"]) == [401]  # another customer-service PC behind the same proxy


def login_cookie(client: TestClient, **headers: str) -> str:
    response = client.post("/v1/auth/login", json={"name": "amy", "password": PASSWORD}, headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["set-cookie"].lower()


def test_the_cookie_is_secure_when_a_trusted_proxy_says_the_client_came_over_tls(tmp_path: Path) -> None:
    with app_from(tmp_path, PROXY, trusted_proxies=[PROXY]) as client:
        assert "secure" in login_cookie(client, **{"X-Forwarded-Proto": "https"})
        assert "secure" not in login_cookie(client, **{"X-Forwarded-Proto": "http"})
        assert "secure" not in login_cookie(client)


def test_an_untrusted_peer_cannot_claim_tls_but_a_direct_tls_request_is_secure(tmp_path: Path) -> None:
    with app_from(tmp_path, "203.0.113.9") as client:
        assert "secure" not in login_cookie(client, **{"X-Forwarded-Proto": "https"})
        client.base_url = "https://testserver"  # type: ignore[assignment]
        assert "secure" in login_cookie(client)


def test_a_bad_trusted_proxy_setting_is_refused_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="不是 IP 地址或网段"):
        make_settings(tmp_path, trusted_proxies="10.0.0.0/8, proxy.example")
