"""Load the default phrasebank on first start, once per database however many workers start."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.store.errors import ImportRefused, SeedError
from copilot.store.importer import import_phrases
from copilot.store.io import FORMATS, ImportReport, Row, RowError
from copilot.store.models import Phrase, StoreMeta
from copilot.store.phrases import lock_phrasebank


def read_phrasebank_dir(folder: Path) -> tuple[list[Row], list[RowError]]:
    """Rows of every *.yaml file in the folder, sorted by file name (the same reader `import` uses)."""
    if not folder.is_dir():
        raise SeedError(f"默认话术库目录不存在: {folder}(请检查 COPILOT_PHRASEBANK_DIR)")
    rows: list[Row] = []
    errors: list[RowError] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            file_rows, file_errors = FORMATS["yaml"].read(path.read_bytes(), path.name)
        except ImportRefused as exc:
            errors.append(RowError(0, "", exc.message, path.name))
            continue
        rows.extend(file_rows)
        errors.extend(file_errors)
    return rows, errors


def seed(session: Session, folder: Path) -> ImportReport | None:
    """Import the default phrasebank if this database never had one; None when there was nothing to do."""
    lock_phrasebank(session)  # a second worker waits here, then finds seeded_at set
    meta = session.get(StoreMeta, 1, populate_existing=True)
    assert meta is not None, "store_meta row is made by the first migration"
    if meta.seeded_at is not None:
        return None
    report = None
    if not session.scalar(select(func.count()).select_from(Phrase)):
        rows, errors = read_phrasebank_dir(folder)
        report = import_phrases(session, rows, errors=errors, source="seed")
        if report.errors:
            listed = "\n".join(f"  {error}" for error in report.errors)
            raise SeedError(
                f"默认话术库 {folder} 有 {len(report.errors)} 处错误,未导入:\n{listed}",
                [e.as_dict() for e in report.errors],
            )
    meta.seeded_at = datetime.now(UTC)
    return report
