"""Chat logs a lead uploads to learn from: CSV, xlsx or JSON Lines, one message a row, read into ChatTurns
(not masked yet: the caller masks before storing), or refused whole with the row, column and reason in
Chinese.

Columns (CSV/xlsx header row, JSON keys; English or Chinese names): conversation 会话ID, time 时间,
role 角色 (customer 买家 / agent 客服), text 内容, and optionally agent 客服 (the agent's name or 工号).
Rows with an empty text (pictures, stickers, orders sent as cards) are skipped and counted. Times may be
ISO 8601, 2024-05-01 10:02:03, 2024/5/1 10:02, Unix seconds or milliseconds, or Excel dates; a time
without a zone is China time (UTC+8). The time column may be left empty as a whole (file order is then
the order), not in some rows only. Turns come grouped by conversation, conversations in the order they
first appear, each in time order (file order breaks ties).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import PurePath
from typing import Any

from openpyxl.utils.datetime import from_excel

from copilot.api.jsoncheck import describe_decode_error, nesting_exceeds
from copilot.errors import AppError
from copilot.learn.keys import storable
from copilot.learn.turns import ChatTurn
from copilot.store.errors import ImportRefused
from copilot.store.io import csvfile, xlsxfile

EXTENSIONS = (".csv", ".xlsx", ".jsonl", ".ndjson")
CONVERSATION_MAX = 128  # learn_turns.conversation
AGENT_MAX = 64  # learn_turns.agent
JSON_DEPTH = 20  # a message is a flat object; deeper nesting is not a chat log
CHINA = timezone(timedelta(hours=8), "CST")  # a time without a zone; China has one zone and no DST

# Field → the name the README and messages use for it.
COLUMNS: dict[str, str] = {"conversation": "会话ID", "time": "时间", "role": "角色", "text": "内容", "agent": "客服"}
REQUIRED = ("conversation", "time", "role", "text")
_ALIASES: dict[str, tuple[str, ...]] = {
    "conversation": ("conversation", "会话id", "会话", "对话id"),
    "time": ("time", "时间", "发送时间"),
    "role": ("role", "角色", "身份"),
    "text": ("text", "内容", "消息内容", "消息"),
    "agent": ("agent", "客服", "客服昵称", "坐席", "工号"),
}
_HEADERS = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_ROLES = {
    **dict.fromkeys(("customer", "buyer", "user", "买家", "顾客", "客户"), "customer"),
    **dict.fromkeys(("agent", "seller", "客服", "卖家", "商家", "坐席"), "agent"),
}
_ROLES_SHOWN = "customer、agent、买家、客服"
_TIMES_SHOWN = "2024-05-01 10:02:03、2024/5/1 10:02、ISO 8601、Unix 秒或毫秒"
_DATE_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:(?:[ T]+|日)(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:[.,](\d{1,6}))?秒?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_NUMBER = re.compile(r"\d{1,16}(?:\.\d{1,6})?")
_JSON_KINDS = {
    dict: "对象",
    list: "数组",
    str: "文字",
    int: "数字",
    float: "数字",
    bool: "true/false",
    type(None): "null",
}


class ChatLogRefused(AppError):
    """The file cannot be learned from; nothing of it is kept. `row` is the row as Excel numbers it (the
    header is row 1) or the JSON Lines line, None for the file as a whole; `column` the header as written."""

    code = "chatlog_invalid"
    status = 422

    def __init__(self, reason: str, *, row: int | None = None, column: str | None = None) -> None:
        message = f"第 {row} 行：{reason}" if row else reason
        super().__init__(message, {"row": row, "column": column, "reason": reason})
        self.reason, self.row, self.column = reason, row, column


@dataclass
class ChatLog:
    """The turns of a file, and what was counted reading it."""

    turns: list[ChatTurn] = field(default_factory=list)
    messages: int = 0  # turns with text
    conversations: int = 0
    skipped: int = 0  # rows with an empty text


def read_chatlog(data: bytes, filename: str, max_text_chars: int = 8000, max_rows: int = 1_000_000) -> ChatLog:
    """The file's messages as turns (unmasked), by the format its extension names; ChatLogRefused otherwise."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xls":
        raise ChatLogRefused("不支持旧版 .xls 文件，请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再上传")
    if suffix not in EXTENSIONS:
        shown = f"“{suffix}”" if suffix else "（无扩展名）"
        raise ChatLogRefused(f"不支持的文件类型{shown}，支持：{'、'.join(EXTENSIONS)}")
    reader = _Reader(max_text_chars, max_rows)
    if suffix == ".csv":
        reader.read_table(_csv_records(data))
    elif suffix == ".xlsx":
        reader.read_table(_xlsx_records(data), excel=True)
    else:
        reader.read_json_lines(data)
    return reader.finish()


# -- the formats: each gives (row number, cells) -------------------------------------------------------


def _csv_records(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        text = csvfile.decode(data)
    except ImportRefused:
        raise ChatLogRefused(
            "无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030。请在 Excel 中“另存为”CSV UTF-8（逗号分隔）后再上传"
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(records, 1):  # one record per spreadsheet row, blank lines included
            yield number, record
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ChatLogRefused(f"单元格过长（超过 {csv.field_size_limit()} 个字符）", row=number + 1) from None
        raise ChatLogRefused("CSV 格式有误（引号不成对或含有空字符）", row=number + 1) from None


def _xlsx_records(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        rows = xlsxfile.sheet_rows(data)
    except ImportRefused as exc:
        raise ChatLogRefused(exc.message.replace("后再导入", "后再上传")) from None
    number = 0
    try:
        for number, values in enumerate(rows, 1):
            yield number, values
    except Exception as exc:  # a damaged sheet fails while it streams, in many ways; all mean the same here
        raise ChatLogRefused(f"xlsx 文件已损坏，读不下去（{type(exc).__name__}）", row=number + 1) from None
    finally:
        rows.close()  # the workbook, also when a bad row stops the reading


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_name(header: Any) -> str:
    return str(header).replace("\ufeff", "").strip().lower()


# -- the reader ---------------------------------------------------------------------------------------


class _Reader:
    """Takes rows one by one, checks them, and keeps what finish() turns into a ChatLog."""

    def __init__(self, max_text_chars: int, max_rows: int) -> None:
        self.max_text_chars, self.max_rows = max_text_chars, max_rows
        self.rows = 0
        self.skipped = 0
        self.kept: list[tuple[str, float | None, str, str, str | None]] = []
        self.timed = False  # some row has a time
        self.untimed: tuple[int, str] | None = None  # the first row with text and no time, and its column
        self.excel = False

    def read_table(self, records: Iterable[tuple[int, Any]], *, excel: bool = False) -> None:
        """Rows of a spreadsheet (the first non-blank one is the header); `excel`: number cells in the time
        column may be Excel date serials."""
        self.excel = excel
        columns: dict[int, str] | None = None
        labels: dict[str, str] = {}
        for number, cells in records:
            if all(_blank(cell) for cell in cells):
                continue
            if columns is None:
                columns, labels = self._header(number, cells)
                continue
            values = {name: cells[index] if index < len(cells) else None for index, name in columns.items()}
            self.add(number, values, labels)
        if columns is None:
            raise ChatLogRefused(f"文件是空的：第一行应为表头，包含 {self._columns_shown()}")

    def _header(self, number: int, cells: Any) -> tuple[dict[int, str], dict[str, str]]:
        columns: dict[int, str] = {}
        labels: dict[str, str] = {}
        for index, cell in enumerate(cells):
            if _blank(cell):
                continue
            name = _HEADERS.get(_header_name(cell))
            if name is None:
                continue  # a platform's export has more columns (商品, 订单状态 …); they are not ours to read
            if name in labels:
                raise ChatLogRefused(
                    f"表头“{labels[name]}”和“{str(cell).strip()}”都是{COLUMNS[name]}列，只能有一列",
                    row=number,
                    column=str(cell).strip(),
                )
            columns[index] = name
            labels[name] = str(cell).replace("\ufeff", "").strip()
        missing = [name for name in REQUIRED if name not in labels]
        if missing:
            raise ChatLogRefused(
                f"缺少必需的列：{'、'.join(f'{COLUMNS[name]}（{name}）' for name in missing)}。"
                f"第一行应为表头，包含 {self._columns_shown()}。如果表头是乱码，请另存为 CSV UTF-8 后再上传",
                row=number,
                column="、".join(missing),
            )
        return columns, labels

    @staticmethod
    def _columns_shown() -> str:
        required = "、".join(f"{COLUMNS[name]}（{name}）" for name in REQUIRED)
        return f"{required}，可选 {COLUMNS['agent']}（agent）"

    def read_json_lines(self, data: bytes) -> None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            row = data[: exc.start].count(b"\n") + 1
            raise ChatLogRefused("不是 UTF-8 编码的文字（JSON Lines 文件应为 UTF-8）", row=row) from None
        seen = False
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            seen = True
            if nesting_exceeds(line, JSON_DEPTH):
                raise ChatLogRefused(f"JSON 嵌套超过 {JSON_DEPTH} 层，不是一条消息", row=number)
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ChatLogRefused(f"不是合法的 JSON：{describe_decode_error(exc)}", row=number) from None
            except ValueError:  # an integer of thousands of digits: Python refuses to convert it
                raise ChatLogRefused("不是合法的 JSON：数字位数过多", row=number) from None
            except RecursionError:
                raise ChatLogRefused("JSON 嵌套过深", row=number) from None
            if not isinstance(item, dict):
                kind = _JSON_KINDS.get(type(item), "其他值")
                raise ChatLogRefused(f"每一行应为一个 JSON 对象（{{...}}），这一行是{kind}", row=number)
            values: dict[str, Any] = {}
            labels: dict[str, str] = {}
            for key, value in item.items():
                name = _HEADERS.get(_header_name(key))
                if name is None:
                    continue
                if name in labels:
                    raise ChatLogRefused(
                        f"字段“{labels[name]}”和“{key}”都是{COLUMNS[name]}，只能有一个", row=number, column=key
                    )
                values[name], labels[name] = value, key
            missing = [name for name in REQUIRED if name not in labels and name != "time"]
            if missing:
                shown = "、".join(f"{name}（{COLUMNS[name]}）" for name in missing)
                raise ChatLogRefused(f"缺少字段 {shown}", row=number, column="、".join(missing))
            labels.setdefault("time", "time")
            self.add(number, values, labels)
        if not seen:
            raise ChatLogRefused("文件是空的：每一行应为一条消息的 JSON 对象")

    def add(self, number: int, values: dict[str, Any], labels: dict[str, str]) -> None:
        self.rows += 1
        if self.rows > self.max_rows:
            raise ChatLogRefused(f"文件超过 {self.max_rows} 行的上限，请分成几个文件上传", row=number)
        text = _cell_text(values.get("text"), number, labels["text"], "内容").strip()
        if not text:
            self.skipped += 1
            return
        if len(text) > self.max_text_chars:
            raise ChatLogRefused(
                f"内容有 {len(text)} 个字，超过上限 {self.max_text_chars} 个字", row=number, column=labels["text"]
            )
        conversation = _cell_text(values.get("conversation"), number, labels["conversation"], "会话ID").strip()
        if not conversation:
            raise ChatLogRefused(f"{COLUMNS['conversation']}为空", row=number, column=labels["conversation"])
        if len(conversation) > CONVERSATION_MAX:
            raise ChatLogRefused(
                f"{COLUMNS['conversation']}超过 {CONVERSATION_MAX} 个字", row=number, column=labels["conversation"]
            )
        role = _role(values.get("role"), number, labels["role"])
        at = _time(values.get("time"), number, labels["time"], excel=self.excel)
        if at is None:
            self.untimed = self.untimed or (number, labels["time"])
        else:
            self.timed = True
        agent: str | None = None
        if "agent" in labels:
            agent = _cell_text(values.get("agent"), number, labels["agent"], "客服").strip() or None
            if agent is not None and len(agent) > AGENT_MAX:
                raise ChatLogRefused(f"客服“{agent[:20]}…”超过 {AGENT_MAX} 个字", row=number, column=labels["agent"])
        self.kept.append((conversation, at, role, text, agent))

    def finish(self) -> ChatLog:
        if self.timed and self.untimed is not None:
            row, column = self.untimed
            raise ChatLogRefused(
                "时间为空：其他行有时间，每一行都要填；或者整列留空（按文件顺序）", row=row, column=column
            )
        if not self.kept:
            if self.rows:
                raise ChatLogRefused(f"文件里没有一条有内容的消息（{self.skipped} 行内容为空）")
            raise ChatLogRefused("文件里没有消息：表头之后没有任何一行")
        by_conversation: dict[str, list[tuple[float, str, str, str | None]]] = {}
        for conversation, at, role, text, agent in self.kept:
            by_conversation.setdefault(conversation, []).append((at or 0.0, role, text, agent))
        turns: list[ChatTurn] = []
        for conversation, rows in by_conversation.items():
            rows.sort(key=lambda row: row[0])  # stable: file order breaks ties
            turns.extend(ChatTurn(conversation, at, role, text, agent) for at, role, text, agent in rows)
        return ChatLog(turns=turns, messages=len(turns), conversations=len(by_conversation), skipped=self.skipped)


# -- cells --------------------------------------------------------------------------------------------


def _cell_text(value: Any, row: int, column: str, what: str) -> str:
    """A cell as text: numbers as written (an id 10023 comes back from Excel as 10023.0), never a list; without
    the characters no database stores (NUL, lone surrogates)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    raise ChatLogRefused(f"{what}应为文字，这里是{_JSON_KINDS.get(type(value), '其他值')}", row=row, column=column)


def _role(value: Any, row: int, column: str) -> str:
    raw = _cell_text(value, row, column, "角色").strip()
    role = _ROLES.get(raw.lower())
    if role is None:
        shown = f"角色“{raw}”无法识别" if raw else "角色为空"
        raise ChatLogRefused(f"{shown}（可用：{_ROLES_SHOWN}）", row=row, column=column)
    return role


def _time(value: Any, row: int, column: str, *, excel: bool) -> float | None:
    """Unix seconds, or None for an empty cell; ChatLogRefused when it is not a time."""
    if _blank(value):
        return None
    try:
        at = parse_time(value, excel=excel)
    except ValueError:
        shown = _cell_text(value, row, column, "时间").strip()[:40]
        raise ChatLogRefused(f"时间“{shown}”无法识别（可用：{_TIMES_SHOWN}）", row=row, column=column) from None
    return at


def parse_time(value: Any, *, excel: bool = False) -> float:
    """A time as Unix seconds: a datetime or date (no zone: China time), an Excel serial number (from an
    xlsx number cell), Unix seconds or milliseconds, or text in the usual layouts; ValueError otherwise."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=CHINA)).timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=CHINA).timestamp()
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return _number_time(float(value), excel=excel)
    text = str(value).strip()
    if _NUMBER.fullmatch(text):
        return _number_time(float(text), excel=False)
    found = _DATE_TIME.fullmatch(text)
    if found:
        year, month, day, hour, minute, second, fraction, zone = found.groups()
        micro = int((fraction or "0").ljust(6, "0"))
        tz = CHINA if zone is None else _zone(zone)
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tz
        )  # ValueError for 2024-02-30 or 25:00
        return moment.timestamp()
    moment = datetime.fromisoformat(text)  # the rest of ISO 8601 that Python knows (2024-W18-3, 20240501T1002)
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).timestamp()


def _zone(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _number_time(number: float, *, excel: bool) -> float:
    """Milliseconds from 1e11 on (1973 in seconds, 1970 in ms), seconds from 1e8 on; a small number only
    from an xlsx cell, where it is an Excel date serial."""
    if not math.isfinite(number) or number < 0:
        raise ValueError(number)
    if 1e11 <= number < 1e14:
        return number / 1000
    if 1e8 <= number < 1e11:
        return number
    if excel and 1 <= number < 1e6:
        moment: datetime = from_excel(number)  # a datetime for a number without timedelta=True
        return moment.replace(tzinfo=CHINA).timestamp()
    raise ValueError(number)
