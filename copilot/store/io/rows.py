"""The row model every format reads into, and what an import reports back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from copilot.store.errors import ImportRefused
from copilot.store.schemas import PhrasePublic

# Spreadsheet columns: Qianniu's quick-phrase layout first, then ours.
COLUMNS: dict[str, str] = {
    "group": "分组",
    "shortcut": "快捷编码",
    "body": "短语内容",
    "title": "标题",
    "intent": "意图",
    "keywords": "关键词",
    "examples": "示例问题",
    "enabled": "启用",
    "id": "ID",
}
YAML_KEYS: dict[str, str] = {name: name for name in COLUMNS}
LIST_FIELDS = ("keywords", "examples")
_SPLIT = re.compile(r"[|\r\n]+")
_TRUE = {"是", "启用", "true", "yes", "y", "1", "t", "on", "√", "✓"}
_FALSE = {"否", "停用", "禁用", "false", "no", "n", "0", "f", "off", "×", "✗"}


@dataclass
class Row:
    """One phrase as a file gives it: only the fields it has, and where it came from."""

    line: int
    values: dict[str, Any]
    labels: Mapping[str, str] = field(default_factory=lambda: COLUMNS)
    source: str = ""
    field_lines: Mapping[str, int] = field(default_factory=dict)  # YAML: the line of each key


@dataclass
class RowError:
    """Why one row (or the file, at line 0) was refused."""

    line: int
    field: str
    reason: str
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source} " if self.source else ""
        where += f"第 {self.line} 行" if self.line else ""
        column = f" {self.field}" if self.field else ""
        return f"{where}{column}: {self.reason}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "row": self.line,
            "column": self.field,
            "reason": self.reason,
            "message": str(self),
        }


@dataclass
class ImportReport:
    """Which phrases an import adds, updates or leaves alone, or why it was refused (then nothing is written)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    replace: bool = False  # keywords and examples replaced, not merged
    changes: list[dict[str, Any]] = field(default_factory=list)  # per updated phrase: its fields before → after
    blocked: list[dict[str, Any]] = field(default_factory=list)  # rows whose body breaks an error-level rule

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        prefix = "预览：" if self.dry_run else ""
        blocked = f"（其中 {len(self.blocked)} 条含禁止发送的内容）" if self.blocked else ""
        return f"{prefix}新增 {len(self.added)} 条，更新 {len(self.updated)} 条，未变 {len(self.unchanged)} 条{blocked}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "summary": self.summary(),
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
            "replace": self.replace,
            "changes": self.changes,
            "blocked": self.blocked,
        }


def cell_value(name: str, text: str) -> Any:
    """A spreadsheet cell's text as the field's value (None: blank, so keep or default)."""
    text = text.strip()
    if name in LIST_FIELDS:
        return [item.strip() for item in _SPLIT.split(text) if item.strip()]
    if name == "shortcut":
        return text  # blank clears the shortcut
    if not text:
        return None
    if name == "enabled":
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    return text


def phrase_cells(phrase: PhrasePublic, separator: str = "|") -> dict[str, str]:
    """A phrase as spreadsheet cell texts, keyed by field name."""
    return {
        "group": phrase.group,
        "shortcut": phrase.shortcut or "",
        "body": phrase.body,
        "title": phrase.title,
        "intent": phrase.intent,
        "keywords": separator.join(phrase.keywords),
        "examples": separator.join(phrase.examples),
        "enabled": "是" if phrase.enabled else "否",
        "id": phrase.id,
    }


def header_fields(headers: list[str]) -> dict[int, str]:
    """Column index → field name, or ImportRefused naming the unknown or repeated header."""
    known = {label: name for name, label in COLUMNS.items()} | {name: name for name in COLUMNS}
    found: dict[int, str] = {}
    for index, raw in enumerate(headers):
        header = raw.strip()
        if not header:
            continue
        name = known.get(header) or known.get(header.lower())
        if name is None:
            raise ImportRefused(
                f"第 1 行表头 {header!r} 无法识别;可用的列: {'、'.join(COLUMNS.values())}"
                "(如果表头是乱码,可能是文件编码不对,请另存为 UTF-8 或 GB18030 的 CSV)"
            )
        if name in found.values():
            raise ImportRefused(f"第 1 行表头 {header!r} 重复出现")
        found[index] = name
    if "body" not in found.values():
        raise ImportRefused(f"表头缺少 {COLUMNS['body']} 列;第一行应为表头: {'、'.join(COLUMNS.values())}")
    return found
