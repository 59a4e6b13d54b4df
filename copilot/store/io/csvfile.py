"""CSV as Excel on a Chinese Windows writes it: UTF-8 (with or without BOM), GB18030, or UTF-16 text."""

from __future__ import annotations

import csv
import io

from copilot.csvcell import escape_cell, unescape_cell
from copilot.store.errors import ImportRefused
from copilot.store.io.rows import COLUMNS, Row, RowError, cell_value, header_fields, phrase_cells
from copilot.store.schemas import PhrasePublic


def decode(data: bytes, source: str = "") -> str:
    """The file's text: UTF-16 by its BOM, else UTF-8, else GB18030; ImportRefused when none fits."""
    # A UTF-16 BOM is Excel's "Unicode 文本" export.
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    candidates = ["utf-16"] if utf16 else ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # NULs mean a binary file that happened to decode
            return text
    raise ImportRefused(
        f"{source} 无法识别文件编码：既不是 UTF-8 也不是 GB18030。"
        "请在 Excel 中“另存为”CSV UTF-8（逗号分隔）后再导入".strip()
    )


def read(data: bytes, source: str = "") -> tuple[list[Row], list[RowError]]:
    """Rows from a CSV file; line numbers are spreadsheet row numbers (the header is row 1)."""
    text = decode(data, source)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        raise ImportRefused(f"{source} 文件是空的,第一行应为表头: {'、'.join(COLUMNS.values())}".strip())
    columns = header_fields(records[0])
    rows = []
    for number, record in enumerate(records[1:], 2):
        if not any(cell.strip() for cell in record):
            continue
        values = {
            name: cell_value(name, unescape_cell(record[i]) if i < len(record) else "") for i, name in columns.items()
        }
        rows.append(Row(line=number, values=values, source=source))
    return rows, []


def write(phrases: list[PhrasePublic]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese text correctly by double-click; a cell starting with
    = + - @ gets a leading apostrophe, so Excel shows it as text instead of running it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS.values())
    for phrase in phrases:
        cells = phrase_cells(phrase)
        # escaped against formula injection; read() undoes it, so export → import restores the text
        writer.writerow(escape_cell(cells[name]) for name in COLUMNS)
    return out.getvalue().encode("utf-8-sig")
