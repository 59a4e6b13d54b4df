"""Starting on a database that cannot be used: one clear line on stderr (Chinese, the URL without its
password) and a non-zero status, for `serve` and the other commands; no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATABASE_URL": url, "COPILOT_DB_CONNECT_TIMEOUT": "2"}
    return subprocess.run([sys.executable, "-m", "copilot", *args], capture_output=True, text=True, timeout=90,
                          env=env)


def read_only_sqlite(tmp_path: Path) -> str:
    """A migrated SQLite file opened read-only (a file mode would not stop root, who runs CI containers)."""
    path = tmp_path / "copilot.db"
    assert run(f"sqlite:///{path}", "export", str(tmp_path / "all.yaml")).returncode == 0
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.mark.parametrize(("kind", "why"), [
    ("read-only sqlite", "只读"),
    ("unreachable postgres", "连接被拒绝"),
    ("bad url", "数据库地址无法识别"),
    ("unknown dialect", "数据库地址无法识别"),
])
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["export", "out.yaml"], ["user", "list"]])
def test_an_unusable_database_stops_a_command_with_one_line(
    tmp_path: Path, kind: str, why: str, command: list[str]
) -> None:
    url = {
        "read-only sqlite": lambda: read_only_sqlite(tmp_path),
        "unreachable postgres": lambda: f"postgresql+psycopg://kefu:s3cret@127.0.0.1:{free_port()}/copilot",
        "bad url": lambda: "postgres//kefu:s3cret@db",
        "unknown dialect": lambda: "nosuchdb://kefu:s3cret@db/copilot",
    }[kind]()
    if command[0] == "export":
        command = ["export", str(tmp_path / "out.yaml")]
    done = run(url, *command)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"kefu-copilot {command[0]}: 无法使用数据库 ") and why in lines[0]
    assert "s3cret" not in done.stderr and "Traceback" not in done.stderr
