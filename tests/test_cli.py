"""The kefu-copilot command, run as a user would: in this process through its entry function (the module
entry itself runs in a real process once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from tests.conftest import RunCli, authorize, make_settings


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """lint opens the database (the shop's rules live there): the runs here share a file of their own."""
    return {"COPILOT_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"}


def test_lint_uses_the_shops_rules_like_the_service(tmp_path: Path, run_cli: RunCli) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as api:
        authorize(api)
        assert api.post("/v1/rules", json={"kind": "forbid", "term": "错过等一年"}).status_code == 201
        served = api.post("/v1/lint", json={"text": "亲，这款是秒杀价，错过等一年呢"}).json()
    code, out, err = run_cli(
        "lint",
        "--json",
        "亲，这款是秒杀价，错过等一年呢",
        env={"COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'copilot.db'}"},
    )
    assert code == 1, err
    assert json.loads(out) == served
    assert [d["rule"] for d in served["diagnostics"]] == ["shop.1"]


def test_lint_marks_the_span_and_shows_the_fix(run_cli: RunCli, database: dict[str, str]) -> None:
    code, out, _ = run_cli("lint", "亲,不好意思", env=database)
    assert code == 0  # warnings only
    assert "建议修改" in out and "^^^^^^^^ → 非常抱歉" in out
    assert "修正后(可发送): 亲,非常抱歉" in out


def test_lint_exits_1_on_an_error(run_cli: RunCli, database: dict[str, str]) -> None:
    assert run_cli("lint", "保证今天收到", env=database)[0] == 1


def test_strict_exits_1_on_a_warning(run_cli: RunCli, database: dict[str, str]) -> None:
    assert run_cli("lint", "--strict", "不好意思", env=database)[0] == 1
    assert run_cli("lint", "--strict", "好的呢", env=database)[0] == 0


def test_json_prints_the_lint_object_and_reads_stdin(run_cli: RunCli, database: dict[str, str]) -> None:
    _, out, _ = run_cli("lint", "--json", "-", stdin="你好\n", env=database)
    body = json.loads(out)
    assert body["verdict"] == "warn" and body["fixed"] == "您好"


def test_over_long_text_is_refused_with_a_reason(run_cli: RunCli, database: dict[str, str]) -> None:
    code, _, err = run_cli("lint", "好" * 8001, env=database)
    assert code == 2 and "过长" in err


def test_module_and_help_work(tmp_path: Path) -> None:
    """`python -m copilot` in a real process (a non-zero exit status through it: tests/test_unusable_database.py)."""
    env = {**os.environ, "COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "copilot", "--help"], capture_output=True, text=True, timeout=60, env=env
    )
    assert "lint" in done.stdout
