"""`kefu-copilot import` / `export`, run as a team lead would, on the database `serve` uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(tmp_path: Path, phrasebank_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "COPILOT_PHRASEBANK_DIR": str(phrasebank_dir)}
    return subprocess.run([sys.executable, "-m", "copilot", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def test_export_then_import_round_trips_and_reports_in_chinese(tmp_path: Path, phrasebank_dir: Path) -> None:
    exported = run(tmp_path, phrasebank_dir, "export", str(tmp_path / "out.xlsx"))
    assert exported.returncode == 0 and "已导出 3 条短语" in exported.stdout
    imported = run(tmp_path, phrasebank_dir, "import", str(tmp_path / "out.xlsx"))
    assert imported.returncode == 0 and imported.stdout.strip() == "新增 0 条，更新 0 条，未变 3 条"


def test_a_bad_file_exits_1_with_row_numbers_and_writes_nothing(tmp_path: Path, phrasebank_dir: Path) -> None:
    bad = tmp_path / "team.csv"
    bad.write_text("分组,快捷编码,短语内容,意图\n售前,a1,亲，在的~,greeting\n售前,a2,亲~,hello\n", encoding="gb18030")
    done = run(tmp_path, phrasebank_dir, "import", str(bad))
    assert done.returncode == 1 and "未做任何修改" in done.stderr and "第 3 行 意图" in done.stderr
    preview = run(tmp_path, phrasebank_dir, "import", "--dry-run", str(tmp_path / "none.yaml"))
    assert preview.returncode == 2 and "无法读取" in preview.stderr
    wrong = run(tmp_path, phrasebank_dir, "import", str(tmp_path / "team.xls"))
    assert wrong.returncode == 1 and "支持: .yaml、.yml、.csv、.xlsx" in wrong.stderr
    exported = run(tmp_path, phrasebank_dir, "export", str(tmp_path / "check.csv"))
    assert "已导出 3 条短语" in exported.stdout


def test_dry_run_previews_without_writing(tmp_path: Path, phrasebank_dir: Path) -> None:
    new = tmp_path / "new.csv"
    new.write_text("分组,快捷编码,短语内容\n售前,hi,亲，在的~\n", encoding="utf-8-sig")
    assert run(tmp_path, phrasebank_dir, "import", "--dry-run", str(new)).stdout.strip() == (
        "预览：新增 1 条，更新 0 条，未变 0 条")
    assert run(tmp_path, phrasebank_dir, "import", str(new)).stdout.strip() == "新增 1 条，更新 0 条，未变 0 条"
