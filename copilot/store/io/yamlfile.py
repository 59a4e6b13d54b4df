"""Phrasebank YAML (the layout of phrasebank/*.yaml): a top-level `phrases:` list of mappings."""

from __future__ import annotations

from typing import Any

import yaml

from copilot.store.errors import ImportRefused
from copilot.store.io.rows import LIST_FIELDS, YAML_KEYS, Row, RowError, cell_value
from copilot.store.schemas import PhrasePublic
from copilot.yamllines import KEY_LINES, LINE, error_line, load_with_lines


def _scalar_text(value: Any) -> Any:
    # YAML reads `shortcut: 123` as a number; it is still the text 123.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def read(data: bytes, source: str = "") -> tuple[list[Row], list[RowError]]:
    """Rows from a YAML file, plus errors for items that are not phrases at all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"{source} 不是 UTF-8 编码的 YAML 文件(第 {exc.start} 个字节无法解码)".strip()) from None
    try:
        document = load_with_lines(text)
    except yaml.YAMLError as exc:
        line = error_line(exc)
        where = f"第 {line} 行" if line else ""
        raise ImportRefused(f"{source} YAML 格式错误 {where}: {getattr(exc, 'problem', exc)}".strip()) from None
    items = document.get("phrases") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ImportRefused(f"{source} 应有顶层的 phrases: 列表(与 phrasebank/*.yaml 相同)".strip())
    rows, errors = [], []
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            errors.append(RowError(0, "", f"phrases 第 {index} 项不是短语(应为 key: value 形式)", source))
            continue
        line, key_lines = item.pop(LINE, 0), item.pop(KEY_LINES, {})
        unknown = [str(key) for key in item if key not in YAML_KEYS]
        if unknown:
            where = key_lines.get(unknown[0], line)
            errors.append(RowError(where, unknown[0], f"未知字段,可用: {'、'.join(YAML_KEYS)}", source))
            continue
        values = {}
        for key, value in item.items():
            if key in LIST_FIELDS and value is None:
                value = []
            elif key in LIST_FIELDS and isinstance(value, list):
                value = [_scalar_text(v) for v in value]
            elif key == "shortcut" and value is None:
                value = ""  # an explicit null clears the shortcut, like a blank cell
            elif key == "enabled" and isinstance(value, str):
                value = cell_value("enabled", value)  # 是/否 as in the spreadsheets
            values[key] = _scalar_text(value)
        rows.append(Row(line=line, values=values, labels=YAML_KEYS, source=source, field_lines=key_lines))
    return rows, errors


def write(phrases: list[PhrasePublic]) -> bytes:
    """The phrases in the phrasebank/*.yaml layout."""
    items = [
        {
            "id": p.id,
            "title": p.title,
            "intent": p.intent,
            "group": p.group,
            "shortcut": p.shortcut,
            "keywords": list(p.keywords),
            "body": p.body,
            "examples": list(p.examples),
            "enabled": p.enabled,
        }
        for p in phrases
    ]
    text = yaml.safe_dump(
        {"phrases": items}, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=None
    )
    return text.encode("utf-8")
