"""STAND-IN (branch learn-jobs only): a minimal CSV chat-log reader with the interface of the real
reader that another engineer writes (copilot/learn/chatlog.py on learn-mine/learn-mask); replaced at
merge. It exists so the upload/job side can be built and tested before the real reader lands."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

from copilot.learn.turns import ChatTurn
from copilot.store.errors import StoreError

MAX_ROWS = 1_000_000
_COLUMNS = {
    "conversation": ("conversation", "会话id", "会话"),
    "time": ("time", "时间"),
    "role": ("role", "角色"),
    "text": ("text", "内容"),
    "agent": ("agent", "客服名", "客服工号"),
}
_ROLES = {"customer": "customer", "买家": "customer", "agent": "agent", "客服": "agent"}


class ChatLogRefused(StoreError):
    """The file cannot be imported; nothing of it is stored."""

    code = "chatlog_invalid"
    status = 422

    def __init__(self, row: int, column: str, reason: str) -> None:
        where = f"第 {row} 行：" if row else ""
        super().__init__(f"{where}{reason}", {"row": row, "column": column, "reason": reason})


@dataclass
class ChatLog:
    turns: list[ChatTurn] = field(default_factory=list)
    messages: int = 0
    conversations: int = 0
    skipped: int = 0


def _time(value: str, row: int) -> float:
    value = value.strip()
    if not value:
        return 0.0
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise ChatLogRefused(row, "time", f"时间“{value}”无法识别（例如 2024-05-01 10:30:00）") from None


def read_chatlog(data: bytes, filename: str, max_text_chars: int = 8000, max_rows: int = MAX_ROWS) -> ChatLog:
    if PurePath(filename or "").suffix.lower() != ".csv":
        raise ChatLogRefused(0, "", f"无法识别文件“{filename}”的格式（可用：.csv、.xlsx、.jsonl）")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ChatLogRefused(0, "", "文件不是 UTF-8 编码") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ChatLogRefused(1, "", "文件是空的，第一行应为列名")
    names = [h.strip().lower() for h in header]
    slots: dict[str, int] = {}
    for column, aliases in _COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                slots[column] = index
                break
    for needed in ("conversation", "role", "text"):
        if needed not in slots:
            raise ChatLogRefused(1, needed, f"缺少列“{needed}”")
    log = ChatLog()
    seen: set[str] = set()
    for row, values in enumerate(reader, start=2):
        if row - 1 > max_rows:
            raise ChatLogRefused(row, "", f"行数超过上限 {max_rows}")
        if not any(v.strip() for v in values):
            log.skipped += 1
            continue
        cell = {column: (values[index] if index < len(values) else "") for column, index in slots.items()}
        role = _ROLES.get(cell["role"].strip().lower())
        if role is None:
            raise ChatLogRefused(row, "role", f"角色“{cell['role']}”无法识别（可用：customer、agent、买家、客服）")
        if len(cell["text"]) > max_text_chars:
            raise ChatLogRefused(row, "text", f"内容过长（上限 {max_text_chars} 字）")
        conversation = cell["conversation"].strip()
        if not conversation:
            raise ChatLogRefused(row, "conversation", "会话ID为空")
        if not cell["text"].strip():
            log.skipped += 1
            continue
        seen.add(conversation)
        log.turns.append(ChatTurn(conversation, _time(cell.get("time", ""), row), role, cell["text"],
                                  cell.get("agent") or None))
    log.messages = len(log.turns)
    log.conversations = len(seen)
    return log
