"""`kefu-copilot user …` and `token …` as an admin runs them, on the database `serve` uses."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.cli import main
from copilot.config import get_settings
from tests.conftest import FAST_ARGON2, PASSWORD, make_settings

Cli = Callable[..., tuple[int, str, str]]


def cli_env(tmp_path: Path, phrasebank_dir: Path) -> dict[str, str]:
    return {
        "COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'copilot.db'}",
        "COPILOT_PHRASEBANK_DIR": str(phrasebank_dir),
        **{f"COPILOT_{key.upper()}": str(value) for key, value in FAST_ARGON2.items()},
    }


@pytest.fixture
def cli(
    tmp_path: Path, phrasebank_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    """Run `kefu-copilot ARGS` in this process with piped stdin; returns exit code, stdout, stderr."""
    for key, value in cli_env(tmp_path, phrasebank_dir).items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusals
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def test_user_add_from_a_pipe_and_token_create_print_as_scripts_need(tmp_path: Path, phrasebank_dir: Path) -> None:
    env = {**os.environ, **cli_env(tmp_path, phrasebank_dir)}
    command = [sys.executable, "-m", "copilot"]
    added = subprocess.run(
        [*command, "user", "add", "lily", "--role", "lead"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert added.returncode == 0 and added.stdout == "已添加用户 lily,角色 主管(lead)\n", added.stderr
    created = subprocess.run(
        [*command, "token", "create", "--user", "lily"], capture_output=True, text=True, env=env, timeout=60
    )
    token = created.stdout
    assert created.returncode == 0 and token.startswith("kc_") and token.count("\n") == 1 and len(token) > 40
    assert "只显示这一次" in created.stderr
    with TestClient(create_app(make_settings(tmp_path, phrasebank_dir=phrasebank_dir))) as client:
        me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token.strip()}"})
        assert me.json()["user"] == {"name": "lily", "role": "lead"}


def test_tokens_are_listed_without_secrets_and_revoked_by_id(cli: Cli, tmp_path: Path, phrasebank_dir: Path) -> None:
    assert cli("user", "add", "lily", "--role", "lead", stdin=PASSWORD + "\n")[0] == 0
    code, token, _ = cli("token", "create", "--user", "lily", "--label", "千牛")
    assert code == 0
    code, listed, _ = cli("token", "list")
    assert "#1\tlily\t千牛\t有效" in listed and token.strip() not in listed
    assert cli("user", "list")[1] == "lily\tlead\n"
    with TestClient(create_app(make_settings(tmp_path, phrasebank_dir=phrasebank_dir))) as client:
        bearer = {"Authorization": f"Bearer {token.strip()}"}
        assert client.get("/v1/auth/me", headers=bearer).status_code == 200
        assert client.post("/v1/auth/login", json={"name": "lily", "password": PASSWORD}).status_code == 200
        assert cli("token", "revoke", "1")[1] == "已撤销令牌 #1\n"
        assert client.get("/v1/auth/me", headers=bearer).status_code == 401
        assert cli("user", "disable", "lily")[0] == 0
        assert client.get("/v1/auth/me").status_code == 401  # disabling ended the browser session too
        assert cli("user", "list")[1] == "lily\tlead  (已停用)\n"
        assert cli("user", "enable", "lily")[0] == 0
        assert client.post("/v1/auth/login", json={"name": "lily", "password": PASSWORD}).status_code == 200


def test_cli_refusals_are_clear_and_in_chinese(cli: Cli) -> None:
    code, _, err = cli("user", "add", "bo", stdin="short\n")
    assert code == 2 and "密码至少需要 8 个字符" in err
    assert cli("user", "add", "bo", stdin="")[0] == 2  # no password at all
    assert cli("user", "add", "bo", stdin=PASSWORD + "\n")[0] == 0
    code, _, err = cli("user", "add", "bo", stdin=PASSWORD + "\n")
    assert code == 2 and "用户名 bo 已被使用" in err
    code, out, err = cli("token", "create", "--user", "nobody")
    assert code == 2 and out == "" and "没有名为 nobody 的用户" in err
    code, out, _ = cli("user", "passwd", "bo", stdin="new-password-1\n")
    assert code == 0 and "已修改 bo 的密码" in out
    code, _, err = cli("user", "passwd", "nobody", stdin="new-password-1\n")
    assert code == 2 and "没有名为 nobody 的用户" in err
    assert cli("user", "add", "cy", "--role", "boss")[0] == 2
    code, _, err = cli("token", "revoke", "99")
    assert code == 2 and "没有编号为 99 的令牌" in err
