"""Shared fixtures: a configured app client, a real server on loopback, the default linter."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.config import PROJECT_ROOT, Settings
from copilot.lint import Linter, load_rules

RULES_DIR = PROJECT_ROOT / "rules"
DATA = Path(__file__).parent / "data"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for one test: its own SQLite file in tmp_path, everything else default unless overridden."""
    values: dict[str, object] = {"database_url": f"sqlite:///{tmp_path / 'copilot.db'}"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def linter() -> Linter:
    return Linter(load_rules([RULES_DIR]))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path))) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`kefu-copilot serve` in a subprocess on a free loopback port."""

    def __init__(self, tmp_path: Path, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.tmp_path = tmp_path
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
            [sys.executable, "-m", "copilot", "serve", "--port", str(self.port)],
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
