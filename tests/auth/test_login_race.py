"""Login limits hold under a race and cost the same for unknown names: a real server, real argon2."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from copilot.auth import users
from copilot.auth.passwords import Passwords
from copilot.store import Store
from tests.auth.conftest import app_client
from tests.conftest import PASSWORD, LiveServer

LIMIT = 5
RACERS = 30


def add_user(store: Store, passwords: Passwords, name: str) -> None:
    """An agent whose hash has the server's own argon2 cost (so a known name's check costs what a decoy's does)."""
    with store.begin() as session:
        users.create_user(session, name=name, role="agent", password_hash=passwords.hash(PASSWORD))


def test_thirty_racing_wrong_passwords_reach_the_password_check_at_most_limit_times(
    tmp_path: Path,
    database_url: str,
) -> None:
    # argon2 at a cost of a few milliseconds: long enough that every racer is in flight before the first
    # failure could have been recorded after its check, which is what let 27 through before.
    server = LiveServer(
        tmp_path,
        env={
            "COPILOT_DATABASE_URL": database_url,
            "COPILOT_LOGIN_MAX_FAILURES": str(LIMIT),
            "COPILOT_PASSWORD_TIME_COST": "2",
            "COPILOT_PASSWORD_MEMORY_KIB": "8192",
        },
    ).start(timeout=120)  # the machine may be busy
    try:
        store = Store.from_url(database_url)
        try:
            add_user(store, Passwords(2, 8192), "amy")
        finally:
            store.dispose()
        start = Barrier(RACERS)

        def attempt(n: int) -> int:
            with httpx.Client(timeout=60) as client:
                start.wait()
                return client.post(
                    server.url + "/v1/auth/login", json={"name": "amy", "password": f"wrong-{n:04d}"}
                ).status_code

        with ThreadPoolExecutor(RACERS) as pool:
            codes = Counter(pool.map(attempt, range(RACERS)))
        assert set(codes) <= {401, 429} and codes[401] + codes[429] == RACERS
        assert 1 <= codes[401] <= LIMIT, codes  # each 401 was one password verification
        print(f"{RACERS} racing wrong passwords: {dict(codes)}")
        # Racers refused while others were in flight took their count back, so fewer than LIMIT may have failed;
        # the right password is refused exactly when LIMIT failures stand.
        right = httpx.post(server.url + "/v1/auth/login", json={"name": "amy", "password": PASSWORD})
        assert right.status_code == (429 if codes[401] == LIMIT else 200)
    finally:
        server.stop()


def best_of(client: TestClient, name: str, rounds: int = 7) -> float:
    """The fastest of several wrong-password logins for `name`, in seconds (the least disturbed by load)."""
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        assert client.post("/v1/auth/login", json={"name": name, "password": f"wrong-{n:04d}"}).status_code == 401
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unknown_name_costs_a_password_check_like_a_known_one(
    tmp_path: Path, database_url: str, phrasebank_dir: Path
) -> None:
    # A cost where argon2 dominates (tens of ms); before, an unknown name skipped it and answered ~20x faster.
    # Timing on a shared machine is noisy, so the bound is generous: best of seven, within a factor of two.
    with app_client(
        tmp_path,
        database_url,
        phrasebank_dir,
        password_time_cost=3,
        password_memory_kib=32768,
        login_max_failures=100,
        login_ip_max_failures=100,
    ) as client:
        add_user(client.app.state.services.store, client.app.state.services.passwords, "amy")  # type: ignore[attr-defined]
        best_of(client, "nobody", rounds=1)  # the decoy hash is made on first use
        known, unknown, malformed = best_of(client, "amy"), best_of(client, "nobody"), best_of(client, "no body!")
    assert known > 0.005, known  # argon2 really ran
    assert unknown > known / 2 and malformed > known / 2, (known, unknown, malformed)
