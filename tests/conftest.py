"""Shared fixtures: a configured app client, a real server on loopback, the default linter."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.auth import tokens, users
from copilot.auth.passwords import Passwords
from copilot.cli import main as cli_main
from copilot.config import PROJECT_ROOT, Settings, get_settings
from copilot.lint import Linter, load_rules
from copilot.store import PhrasePublic, Store, load_enabled_phrases, open_store

RULES_DIR = PROJECT_ROOT / "rules"
DATA = Path(__file__).parent / "data"
# Real argon2id, at a cost that keeps a login around a millisecond (the default profile takes ~0.4 s here).
FAST_ARGON2: dict[str, object] = {"password_time_cost": 1, "password_memory_kib": 1024}
PASSWORD = "correct-horse-9"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for one test: its own SQLite file in tmp_path, everything else default unless overridden."""
    values: dict[str, object] = {"database_url": f"sqlite:///{tmp_path / 'copilot.db'}", **FAST_ARGON2}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def make_user(store: Store, name: str, role: str, password: str = PASSWORD) -> None:
    """A user in the store, as `kefu-copilot user add` makes one."""
    password_hash = Passwords(1, 1024).hash(password)
    with store.begin() as session:
        users.create_user(session, name=name, role=role, password_hash=password_hash)


def make_token(store: Store, name: str, role: str | None = None) -> str:
    """A real API token for `name` (created with `role` first when given), as `kefu-copilot token create` does."""
    if role is not None:
        make_user(store, name, role)
    with store.begin() as session:
        return tokens.create_token(session, user=users.get_user(session, name))[1]


def authorize(client: TestClient, role: str = "lead") -> str:
    """Make the client a user of that role, authenticated by a real bearer token; returns the token."""
    token = make_token(client.app.state.services.store, f"test-{role}", role)  # type: ignore[attr-defined]
    client.headers["Authorization"] = f"Bearer {token}"
    return token


@pytest.fixture(scope="session")
def linter() -> Linter:
    return Linter(load_rules([RULES_DIR]))


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file as a first start leaves it: migrated and seeded with the shipped phrasebank. Seeding
    writes 177 phrases (about a second); a test that needs a fresh default database copies this file."""
    path = tmp_path_factory.mktemp("default") / "default.db"
    open_store(f"sqlite:///{path}", PROJECT_ROOT / "phrasebank").dispose()  # closing checkpoints the WAL
    return path


@pytest.fixture(scope="session")
def default_phrases(seeded_sqlite: Path) -> list[PhrasePublic]:
    """The shipped phrasebank, loaded the way a first start loads it."""
    store = open_store(f"sqlite:///{seeded_sqlite}", PROJECT_ROOT / "phrasebank")
    try:
        with store.begin() as session:
            return load_enabled_phrases(session)
    finally:
        store.dispose()


@pytest.fixture
def client(tmp_path: Path, seeded_sqlite: Path) -> Iterator[TestClient]:
    """The app on a fresh SQLite database with the shipped phrasebank (a copy of the seeded file)."""
    shutil.copyfile(seeded_sqlite, tmp_path / "copilot.db")
    with TestClient(create_app(make_settings(tmp_path))) as test_client:
        yield test_client


@pytest.fixture
def lead_client(client: TestClient) -> TestClient:
    """The same app, with a team lead's API token on every request (phrase and rule writes need one)."""
    authorize(client, "lead")
    return client


# run_cli(*args, stdin="", env={...}) -> (exit code, stdout, stderr)
RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[RunCli]:
    """`kefu-copilot ARGS` run in this process: the same entry function `python -m copilot` calls, without a
    second or two of imports and model loading per run. `env` (COPILOT_* settings) applies to this test's runs;
    argparse refusals (SystemExit) give their exit code. Tests of the process itself (the module entry, what a
    real process prints when it stops) spawn one."""

    def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> tuple[int, str, str]:
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()  # settings are read once per process; each run reads this test's
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = cli_main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            get_settings.cache_clear()
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`kefu-copilot serve` in a subprocess on a free loopback port."""

    def __init__(
        self, tmp_path: Path, env: dict[str, str] | None = None, port: int | None = None, workers: int = 1
    ) -> None:
        self.tmp_path = tmp_path
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = tmp_path / f"server-{self.port}.log"
        self._log: IO[bytes] | None = None

    def start(self, timeout: float = 30.0) -> LiveServer:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "copilot", "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not come up: {self.log_path.read_text()}")

    def api_token(self, role: str = "lead") -> str:
        """A real API token of a new user with that role, made in the server's database."""
        store = Store.from_url(self.env["COPILOT_DATABASE_URL"])
        try:
            with store.begin() as session:
                taken = {user.name for user in users.list_users(session)}
            name = next(f"{role}{n}" for n in range(1, 1000) if f"{role}{n}" not in taken)
            return make_token(store, name, role)
        finally:
            store.dispose()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test module (starting one costs about two seconds)."""
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


_NO_POSTGRES = pytest.mark.skipif(
    not os.environ.get("COPILOT_TEST_DATABASE_URL"), reason="COPILOT_TEST_DATABASE_URL is not set (.ci/run sets it)"
)
# For a test that only makes sense on the PostgreSQL server (LISTEN/NOTIFY, a proxy in front of it).
POSTGRES_ONLY = [pytest.mark.postgres, _NO_POSTGRES]


def postgres_only(test: Any) -> Any:
    """The POSTGRES_ONLY marks on one test."""
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


DATABASES = ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, _NO_POSTGRES])]


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh database: a SQLite file in folder, or a PostgreSQL schema of its own on the
    server COPILOT_TEST_DATABASE_URL names, dropped afterwards, so parallel runs never collide."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'store.db'}"
        return
    base = os.environ["COPILOT_TEST_DATABASE_URL"]
    from uuid import uuid4

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    schema = f"test_{uuid4().hex[:16]}"
    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test, on SQLite and (when COPILOT_TEST_DATABASE_URL is set) PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


TINY_PHRASEBANK = """\
phrases:
  - id: invoice-01
    title: 可以开发票
    intent: invoice
    group: 售前
    shortcut: fp1
    keywords: [发票, 开票]
    body: 亲,我们可以为您提供正规发票的,请在订单备注里留下抬头和税号~
    examples: [能开发票吗, 亲 可以开票不, 發票怎麼開]
  - id: ship-01
    title: 发货时间
    intent: ship_time
    group: 售中
    shortcut: fh1
    keywords: [发货, 什么时候发]
    body: 亲,付款后48小时内为您安排发货,请您耐心等待~
    examples: [什么时候发货, 怎么还没发]
  - id: refund-01
    title: 退款进度
    intent: refund
    group: 售后
    keywords: [退款]
    body: 亲,退款审核通过后1-3个工作日原路退回,请您留意~
    examples: [退款什么时候到账]
    enabled: false
"""


@pytest.fixture
def phrasebank_dir(tmp_path: Path) -> Path:
    """A three-phrase default phrasebank (one per group, the last disabled) in the real file layout."""
    folder = tmp_path / "phrasebank"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY_PHRASEBANK, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_store(tmp_path: Path, phrasebank_dir: Path) -> Iterator[Store]:
    """A fresh SQLite store seeded with the three-phrase phrasebank."""
    opened = open_store(f"sqlite:///{tmp_path / 'tiny.db'}", phrasebank_dir)
    yield opened
    opened.dispose()
