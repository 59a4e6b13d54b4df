"""One deployment per backend, shared by the live tests of test_multiworker.py and test_routing_live.py: two
`serve --workers 2` hosts over one fresh database. Starting one costs about ten seconds of CPU (every worker
loads jieba and the intent model), so the suite starts each backend's once. Tests sharing it use their own
conversation ids, agents and terms, so nothing one leaves behind changes what another checks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from uuid import uuid4

import pytest

from copilot.config import PROJECT_ROOT
from copilot.store import open_store
from tests.conftest import POSTGRES_ONLY, LiveServer, fresh_database, make_token

PUSH_TOKEN = "multi-host-push-token"  # COPILOT_INTEGRATION_TOKEN: what the platform pushes with
PUSHED = {"Authorization": f"Bearer {PUSH_TOKEN}"}


def redis_url() -> str | None:
    """A Redis database for the tests (Redis runs on every dev and CI machine), or None when none answers."""
    import redis

    url = os.environ.get("COPILOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


@dataclass
class Deployment:
    kind: str  # sqlite (polling), postgres (LISTEN/NOTIFY) or redis (PostgreSQL with Redis pub/sub)
    database_url: str
    hosts: list[LiveServer]  # two `serve --workers 2` instances
    lead: dict[str, str]  # a team lead's Authorization header

    @property
    def urls(self) -> list[str]:
        return [host.url for host in self.hosts]


# For indirect parametrization: @pytest.mark.parametrize("deployment", [...], indirect=True).
SQLITE = "sqlite"
POSTGRES = pytest.param("postgres", marks=POSTGRES_ONLY)
REDIS = pytest.param("redis", marks=POSTGRES_ONLY)


@pytest.fixture(scope="session")
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    kind = request.param
    extra = {}
    if kind == "redis":
        url = redis_url()
        if url is None:
            pytest.skip("no Redis answers at COPILOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/13)")
        extra = {"COPILOT_REDIS_URL": url, "COPILOT_REDIS_PREFIX": f"test-{uuid4().hex}"}
    folder = tmp_path_factory.mktemp(f"deployment-{kind}")
    with fresh_database("sqlite" if kind == "sqlite" else "postgres", folder) as url, ExitStack() as stack:
        store = open_store(url, PROJECT_ROOT / "phrasebank")
        try:
            lead = make_token(store, "live-lead", "lead")
        finally:
            store.dispose()
        env = {"COPILOT_DATABASE_URL": url, "COPILOT_INTEGRATION_TOKEN": PUSH_TOKEN, **extra}
        hosts = [LiveServer(folder, env=env, workers=2) for _ in range(2)]
        for host in hosts:
            stack.callback(host.stop)
        with ThreadPoolExecutor(len(hosts)) as starting:  # together: each takes seconds to load its models
            list(starting.map(lambda host: host.start(timeout=120), hosts))
        yield Deployment(kind, url, hosts, {"Authorization": f"Bearer {lead}"})
