"""Starting on a database that cannot be used: one clear line on stderr (Chinese, the URL without its
password) and a non-zero status, for `serve` and the other commands; no traceback. `serve` runs as a real
process (what an operator starts; its exit status and stderr are the point); the other commands run in this
process through the same entry function, where a warning that a real process would have printed to stderr
shows up as a log record instead."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RunCli, free_port

KINDS = [
    ("read-only sqlite", "只读"),
    ("unreachable postgres", "连接被拒绝"),
    ("bad url", "数据库地址无法识别"),
    ("unknown dialect", "数据库地址无法识别"),
]
# `serve` in a real process on a database it reaches but cannot use; on an unparseable URL it stops before
# anything starts, so that runs in this process like the other commands.
REAL_SERVE = KINDS[:2]


def unusable_url(kind: str, tmp_path: Path, run_cli: RunCli) -> str:
    if kind == "read-only sqlite":
        # A migrated SQLite file opened read-only (a file mode would not stop root, who runs CI containers).
        path = tmp_path / "copilot.db"
        assert run_cli("export", str(tmp_path / "all.yaml"), env={"COPILOT_DATABASE_URL": f"sqlite:///{path}"})[0] == 0
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return {
        "unreachable postgres": f"postgresql+psycopg://kefu:s3cret@127.0.0.1:{free_port()}/copilot",
        "bad url": "postgres//kefu:s3cret@db",
        "unknown dialect": "nosuchdb://kefu:s3cret@db/copilot",
    }[kind]


def assert_one_line(command: str, why: str, stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"kefu-copilot {command}: 无法使用数据库 ") and why in lines[0]
    assert "s3cret" not in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(("kind", "why"), REAL_SERVE)
def test_an_unusable_database_stops_serve_with_one_line(tmp_path: Path, run_cli: RunCli, kind: str, why: str) -> None:
    env = {
        **os.environ,
        "COPILOT_DATABASE_URL": unusable_url(kind, tmp_path, run_cli),
        "COPILOT_DB_CONNECT_TIMEOUT": "2",
    }
    done = subprocess.run(
        [sys.executable, "-m", "copilot", "serve", "--port", "0"], capture_output=True, text=True, timeout=90, env=env
    )
    assert done.returncode == 2
    assert_one_line("serve", why, done.stderr)


@pytest.mark.parametrize(
    ("command", "kind", "why"),
    [
        pytest.param(command, kind, why, id=f"{command[0]}-{kind}")
        for command in (["serve", "--port", "0"], ["export", "out.yaml"], ["user", "list"])
        for kind, why in KINDS
        if not (command[0] == "serve" and (kind, why) in REAL_SERVE)
    ],
)
def test_an_unusable_database_stops_a_command_with_one_line(
    tmp_path: Path, run_cli: RunCli, caplog: pytest.LogCaptureFixture, kind: str, why: str, command: list[str]
) -> None:
    url = unusable_url(kind, tmp_path, run_cli)
    if command[0] == "export":
        command = ["export", str(tmp_path / "out.yaml")]
    caplog.clear()
    code, _, err = run_cli(*command, env={"COPILOT_DATABASE_URL": url, "COPILOT_DB_CONNECT_TIMEOUT": "2"})
    assert code == 2
    assert_one_line(command[0], why, err)
    # In a real process these would be lines on stderr too (logging's last-resort handler prints warnings).
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING], caplog.text
