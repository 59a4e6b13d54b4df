"""Excel workbooks (.xlsx) through openpyxl; the first sheet holds the phrases."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Generator
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from copilot.store.errors import ImportRefused
from copilot.store.io.rows import COLUMNS, Row, RowError, cell_value, header_fields, phrase_cells
from copilot.store.schemas import PhrasePublic

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAX_UNZIPPED = 200 * 1024 * 1024  # a phrasebank is a few MB; more is a zip bomb, not phrases
_WIDTHS = {
    "group": 8,
    "shortcut": 12,
    "body": 60,
    "title": 20,
    "intent": 16,
    "keywords": 24,
    "examples": 36,
    "enabled": 6,
    "id": 14,
}


def _not_xlsx(source: str, why: str) -> ImportRefused:
    return ImportRefused(
        f"{source} 不是有效的 xlsx 文件（{why}）。请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再导入".strip()
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a shortcut typed as 123 comes back as the number 123.0
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def sheet_rows(data: bytes, source: str = "") -> Generator[tuple[Any, ...], None, None]:
    """The cell values of the first sheet, row by row from row 1 (blank rows included, so a row's place is
    its sheet row number), read as they stream; ImportRefused when the file is not a workbook. The chat-log
    reader shares this."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _not_xlsx(source, "这是旧版 .xls 格式")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED:
                raise _not_xlsx(source, "解压后过大")
    except zipfile.BadZipFile:
        raise _not_xlsx(source, "文件内容不是 Excel 工作簿") from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file; all mean the same to the user
        raise _not_xlsx(source, f"无法打开：{type(exc).__name__}") from None
    return _stream(workbook)


def _stream(workbook: Any) -> Generator[tuple[Any, ...], None, None]:
    try:
        if not workbook.worksheets:
            return
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def read(data: bytes, source: str = "") -> tuple[list[Row], list[RowError]]:
    """Rows from the first sheet; line numbers are the sheet's row numbers."""
    records = [(number, [_text(v) for v in values]) for number, values in enumerate(sheet_rows(data, source), 1)]
    records = [(number, cells) for number, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise ImportRefused(f"{source} 第一个工作表是空的,第一行应为表头: {'、'.join(COLUMNS.values())}".strip())
    columns = header_fields(records[0][1])
    rows = [
        Row(
            line=number,
            values={name: cell_value(name, cells[i] if i < len(cells) else "") for i, name in columns.items()},
            source=source,
        )
        for number, cells in records[1:]
    ]
    return rows, []


def write(phrases: list[PhrasePublic]) -> bytes:
    """One sheet 话术, header row bold, every cell stored as text."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "话术"
    sheet.append(list(COLUMNS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, phrase in enumerate(phrases, 2):
        cells = phrase_cells(phrase)
        for column_number, name in enumerate(COLUMNS, 1):
            cell = sheet.cell(row=row_number, column=column_number, value=cells[name])
            # openpyxl turns text starting with "=" into a formula; a phrase is never one.
            cell.data_type = "s"
            if name in ("body", "examples"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column_number, name in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(column_number)].width = _WIDTHS[name]
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
