"""Phrasebank files in and out: YAML, CSV and xlsx, chosen by extension."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from copilot.store.errors import ImportRefused
from copilot.store.io import csvfile, xlsxfile, yamlfile
from copilot.store.io.rows import COLUMNS, ImportReport, Row, RowError
from copilot.store.schemas import PhrasePublic

__all__ = ["COLUMNS", "FORMATS", "Format", "ImportReport", "Row", "RowError", "format_for"]


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    content_type: str
    read: Callable[[bytes, str], tuple[list[Row], list[RowError]]]
    write: Callable[[list[PhrasePublic]], bytes]


FORMATS: dict[str, Format] = {
    "yaml": Format("yaml", ".yaml", "application/yaml; charset=utf-8", yamlfile.read, yamlfile.write),
    "csv": Format("csv", ".csv", "text/csv; charset=utf-8", csvfile.read, csvfile.write),
    "xlsx": Format("xlsx", ".xlsx", xlsxfile.CONTENT_TYPE, xlsxfile.read, xlsxfile.write),
}
_EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".xlsx": "xlsx"}


def format_for(filename: str | None = None, name: str | None = None) -> Format:
    """The format named, else the one the file's extension says; ImportRefused listing what we support."""
    supported = "、".join(_EXTENSIONS)
    if name:
        if name.lower().lstrip(".") in FORMATS:
            return FORMATS[name.lower().lstrip(".")]
        if name.lower() == "yml":
            return FORMATS["yaml"]
        raise ImportRefused(f"不支持的格式 {name!r},支持: {'、'.join(FORMATS)}")
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in _EXTENSIONS:
        shown = suffix or "(无扩展名)"
        raise ImportRefused(f"不支持的文件类型 {shown},支持: {supported}")
    return FORMATS[_EXTENSIONS[suffix]]
