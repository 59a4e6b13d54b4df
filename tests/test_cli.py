"""The kefu-copilot command, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from copilot.api.app import create_app
from tests.conftest import authorize, make_settings

# lint opens the database (the shop's rules live there): the CLI runs here get a file of their own
_DB = Path(tempfile.mkdtemp(prefix="kefu-cli-")) / "cli.db"


def run(*args: str, stdin: str | None = None, database: Path = _DB) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run([sys.executable, "-m", "copilot", *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env=env)


def test_lint_uses_the_shops_rules_like_the_service(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path))) as api:
        authorize(api)
        assert api.post("/v1/rules", json={"kind": "forbid", "term": "错过等一年"}).status_code == 201
        served = api.post("/v1/lint", json={"text": "亲，这款是秒杀价，错过等一年呢"}).json()
    done = run("lint", "--json", "亲，这款是秒杀价，错过等一年呢", database=tmp_path / "copilot.db")
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == served
    assert [d["rule"] for d in served["diagnostics"]] == ["shop.1"]


def test_lint_marks_the_span_and_shows_the_fix() -> None:
    done = run("lint", "亲,不好意思")
    assert done.returncode == 0  # warnings only
    assert "建议修改" in done.stdout and "^^^^^^^^ → 非常抱歉" in done.stdout
    assert "修正后(可发送): 亲,非常抱歉" in done.stdout


def test_lint_exits_1_on_an_error() -> None:
    assert run("lint", "保证今天收到").returncode == 1


def test_strict_exits_1_on_a_warning() -> None:
    assert run("lint", "--strict", "不好意思").returncode == 1
    assert run("lint", "--strict", "好的呢").returncode == 0


def test_json_prints_the_lint_object_and_reads_stdin() -> None:
    done = run("lint", "--json", "-", stdin="你好\n")
    body = json.loads(done.stdout)
    assert body["verdict"] == "warn" and body["fixed"] == "您好"


def test_over_long_text_is_refused_with_a_reason() -> None:
    done = run("lint", "好" * 8001)
    assert done.returncode == 2 and "过长" in done.stderr


def test_module_and_help_work() -> None:
    assert "lint" in run("--help").stdout
