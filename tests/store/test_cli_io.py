"""`kefu-copilot import` / `export`, run as a team lead would (in this process, through the command's entry
function), on the database `serve` uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli


@pytest.fixture
def cli(tmp_path: Path, phrasebank_dir: Path, run_cli: RunCli) -> RunCli:
    env = {"COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COPILOT_PHRASEBANK_DIR": str(phrasebank_dir)}
    return lambda *args: run_cli(*args, env=env)


def test_export_then_import_round_trips_and_reports_in_chinese(tmp_path: Path, cli: RunCli) -> None:
    code, out, _ = cli("export", str(tmp_path / "out.xlsx"))
    assert code == 0 and "已导出 3 条短语" in out
    code, out, _ = cli("import", str(tmp_path / "out.xlsx"))
    assert code == 0 and out.strip() == "新增 0 条，更新 0 条，未变 3 条"


def test_a_bad_file_exits_1_with_row_numbers_and_writes_nothing(tmp_path: Path, cli: RunCli) -> None:
    bad = tmp_path / "team.csv"
    bad.write_text("分组,快捷编码,短语内容,意图\n售前,a1,亲，在的~,greeting\n售前,a2,亲~,hello\n", encoding="gb18030")
    code, _, err = cli("import", str(bad))
    assert code == 1 and "未做任何修改" in err and "第 3 行 意图" in err
    code, _, err = cli("import", "--dry-run", str(tmp_path / "none.yaml"))
    assert code == 2 and "无法读取" in err
    code, _, err = cli("import", str(tmp_path / "team.xls"))
    assert code == 1 and "支持: .yaml、.yml、.csv、.xlsx" in err
    assert "已导出 3 条短语" in cli("export", str(tmp_path / "check.csv"))[1]


def test_dry_run_previews_without_writing(tmp_path: Path, cli: RunCli) -> None:
    new = tmp_path / "new.csv"
    new.write_text("分组,快捷编码,短语内容\n售前,hi,亲，在的~\n", encoding="utf-8-sig")
    assert cli("import", "--dry-run", str(new))[1].strip() == "预览：新增 1 条，更新 0 条，未变 0 条"
    assert cli("import", str(new))[1].strip() == "新增 1 条，更新 0 条，未变 0 条"
