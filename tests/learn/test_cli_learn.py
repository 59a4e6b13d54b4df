"""`kefu-copilot learn import FILE` as a lead runs it: the whole job in this process, progress on stderr,
a Chinese summary, and the upload visible to the service afterwards; a bad file refused with its row."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.cli import MiningProgress, main
from copilot.config import get_settings
from copilot.learn import candidates, jobs
from copilot.store import open_store
from tests.learn.conftest import BAD_ROLE_CSV, PHONE, chat_csv


@pytest.fixture
def cli_env(tmp_path: Path, phrasebank_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'copilot.db'}"
    monkeypatch.setenv("COPILOT_DATABASE_URL", url)
    monkeypatch.setenv("COPILOT_PHRASEBANK_DIR", str(phrasebank_dir))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_learn_import_runs_the_job_to_its_end_and_prints_a_summary(
    cli_env: str, tmp_path: Path, phrasebank_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "chats.csv"
    log.write_bytes(chat_csv())
    assert main(["learn", "import", str(log)]) == 0
    out, err = capsys.readouterr()
    assert "已挖掘 9/9 条" in err  # not a terminal here: plain lines, no bar
    assert "\r" not in err
    assert "已导入 chats.csv" in out and "候选问法" in out and "最大的缺口" in out and "起球" in out
    assert PHONE not in out + err

    store = open_store(cli_env, phrasebank_dir)  # what the service would list
    try:
        [upload] = jobs.list_uploads(store)
        assert upload["status"] == "done" and upload["created_by"] == "cli" and upload["candidates"] >= 3
        with store.read() as session:
            assert candidates.list_candidates(session)[0]["phrase"]["id"] == "invoice-01"
    finally:
        store.dispose()


def test_learn_import_refuses_a_bad_file_with_its_row_and_reason(
    cli_env: str, tmp_path: Path, phrasebank_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "bad.csv"
    log.write_bytes(BAD_ROLE_CSV)
    assert main(["learn", "import", str(log)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv 未导入" in err and "第 3 行" in err
    assert main(["learn", "import", str(tmp_path / "missing.csv")]) == 2
    assert "无法读取" in capsys.readouterr().err
    store = open_store(cli_env, phrasebank_dir)
    try:
        assert jobs.list_uploads(store) == []
    finally:
        store.dispose()


def test_on_a_terminal_the_progress_is_one_bar_redrawn_in_place() -> None:
    stream = io.StringIO()
    progress = MiningProgress(stream, tty=True)
    for done in range(0, 1001, 10):
        progress.update(done, 1000)
    progress.close()
    shown = stream.getvalue()
    assert shown.count("\n") == 1 and shown.endswith("1000/1000 条 100%\n")
    assert shown.count("\r") <= MiningProgress.BAR + 1  # redrawn when a cell fills, not on every report
