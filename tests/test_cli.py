"""The kefu-copilot command, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "copilot", *args], input=stdin, capture_output=True,
                          text=True, timeout=60)


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
