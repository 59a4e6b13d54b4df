"""Chat logs as leads export them — CSV from Chinese Excel (GBK, UTF-8 with BOM), xlsx workbooks and JSON
Lines — read into turns, and every bad file refused whole with its row, column and reason in Chinese."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from copilot.learn.chatlog import ChatLog, ChatLogRefused, read_chatlog
from copilot.learn.turns import ChatTurn

CHINA = timezone(timedelta(hours=8))


def at(text: str) -> float:
    """A China-time wall clock as Unix seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=CHINA).timestamp()


def write(path: Path, data: bytes) -> bytes:
    """Through a real file, as an upload arrives."""
    path.write_bytes(data)
    return path.read_bytes()


def read(tmp_path: Path, name: str, data: bytes, **limits: Any) -> ChatLog:
    return read_chatlog(write(tmp_path / name, data), name, **limits)


def refused(tmp_path: Path, name: str, data: bytes, **limits: Any) -> ChatLogRefused:
    with pytest.raises(ChatLogRefused) as caught:
        read(tmp_path, name, data, **limits)
    error = caught.value
    assert error.code == "chatlog_invalid" and error.status == 422
    assert set(error.details) == {"row", "column", "reason"}
    return error


def csv_bytes(lines: list[str], encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- the formats ------------------------------------------------------------------------------------------


def test_csv_utf8_with_bom_and_english_columns(tmp_path: Path) -> None:
    log = read(
        tmp_path,
        "chats.csv",
        csv_bytes(
            [
                "conversation,time,role,text,agent",
                "tb-1,2024-05-01 10:02:03,customer,在吗？,",
                'tb-1,2024-05-01 10:02:30,agent,"亲，在的，请问有什么可以帮您？",小美',
                "tb-2,2024-05-01 09:00:00,buyer,什么时候发货,",
            ]
        ),
    )
    assert log.turns == [
        ChatTurn("tb-1", at("2024-05-01 10:02:03"), "customer", "在吗？"),
        ChatTurn("tb-1", at("2024-05-01 10:02:30"), "agent", "亲，在的，请问有什么可以帮您？", "小美"),
        ChatTurn("tb-2", at("2024-05-01 09:00:00"), "customer", "什么时候发货"),
    ]
    assert (log.messages, log.conversations, log.skipped) == (3, 2, 0)


def test_csv_gbk_with_chinese_columns_as_excel_writes_it(tmp_path: Path) -> None:
    log = read(
        tmp_path,
        "聊天记录.CSV",
        csv_bytes(
            [
                "会话ID,发送时间,身份,消息内容,客服昵称,商品",
                "jd-9,2024/5/1 10:02,买家,这个有货吗,,保温杯",
                "jd-9,2024/5/1 10:03,客服,有的亲，今天下单明天发,阿强,保温杯",
                "jd-9,2024/5/1 10:04,买家,,,保温杯",  # a picture: no text
            ],
            "gbk",
        ),
    )
    assert log.turns == [
        ChatTurn("jd-9", at("2024-05-01 10:02"), "customer", "这个有货吗"),
        ChatTurn("jd-9", at("2024-05-01 10:03"), "agent", "有的亲，今天下单明天发", "阿强"),
    ]
    assert (log.messages, log.conversations, log.skipped) == (2, 1, 1)


def test_tab_separated_csv_and_quoted_multiline_text(tmp_path: Path) -> None:
    log = read(
        tmp_path,
        "c.csv",
        csv_bytes(
            [
                "会话\t时间\t角色\t内容",
                'a\t1714528923\tuser\t"第一行\n第二行"',
                "a\t1714528924000\tseller\t好的",
            ],
            "utf-8",
        ),
    )
    assert [(t.at, t.role, t.text) for t in log.turns] == [
        (1714528923.0, "customer", "第一行\n第二行"),
        (1714528924.0, "agent", "好的"),
    ]


def test_xlsx_with_datetime_cells_numbers_and_blank_rows(tmp_path: Path) -> None:
    log = read(
        tmp_path,
        "chats.xlsx",
        xlsx_bytes(
            [
                ["会话ID", "时间", "角色", "内容", "坐席"],
                [10023, datetime(2024, 5, 1, 10, 2, 3), "顾客", "能便宜点吗", None],
                [],
                [10023, datetime(2024, 5, 1, 10, 2, 40), "商家", "亲，已经是活动价了哦", 27],
                [10023, 45413.5, "客户", 666, None],  # an Excel date serial left as a number; a number as text
            ]
        ),
    )
    assert log.turns == [
        ChatTurn("10023", at("2024-05-01 10:02:03"), "customer", "能便宜点吗"),
        ChatTurn("10023", at("2024-05-01 10:02:40"), "agent", "亲，已经是活动价了哦", "27"),
        ChatTurn("10023", at("2024-05-01 12:00:00"), "customer", "666"),
    ]


def test_json_lines_with_english_and_chinese_keys(tmp_path: Path) -> None:
    lines = [
        {"conversation": "pdd-1", "time": "2024-05-01T10:02:03+08:00", "role": "Customer", "text": "包邮吗"},
        {"会话ID": "pdd-1", "时间": "2024-05-01T02:02:09Z", "角色": " 客服 ", "内容": "亲，包邮的", "客服": "小王"},
        {"conversation": "pdd-1", "time": 1714528935, "role": "customer", "text": "", "extra": [1, 2]},
    ]
    data = ("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\n").encode()
    for name in ("chats.jsonl", "chats.ndjson"):
        log = read(tmp_path, name, data)
        assert log.turns == [
            ChatTurn("pdd-1", at("2024-05-01 10:02:03"), "customer", "包邮吗"),
            ChatTurn("pdd-1", datetime(2024, 5, 1, 2, 2, 9, tzinfo=UTC).timestamp(), "agent", "亲，包邮的", "小王"),
        ]
        assert (log.messages, log.conversations, log.skipped) == (2, 1, 1)


def test_turns_in_time_order_within_a_conversation_file_order_breaking_ties(tmp_path: Path) -> None:
    log = read(
        tmp_path,
        "c.csv",
        csv_bytes(
            [
                "conversation,time,role,text",
                "b,2024-05-01 10:05,customer,b2",
                "a,2024-05-01 10:01,customer,a1",
                "b,2024-05-01 10:00,customer,b1",
                "a,2024-05-01 10:01,agent,a2",
                "b,2024-05-01 10:05,agent,b3",
            ]
        ),
    )
    assert [(t.conversation, t.text) for t in log.turns] == [
        ("b", "b1"),
        ("b", "b2"),
        ("b", "b3"),
        ("a", "a1"),
        ("a", "a2"),
    ]


def test_an_empty_time_column_keeps_file_order(tmp_path: Path) -> None:
    log = read(
        tmp_path,
        "c.csv",
        csv_bytes(["conversation,time,role,text", "a,,customer,在吗", "a,,agent,在的", "a,,customer,好"]),
    )
    assert [(t.at, t.text) for t in log.turns] == [(0.0, "在吗"), (0.0, "在的"), (0.0, "好")]
    jsonl = (
        b'{"conversation": "a", "role": "customer", "text": "hi"}\n{"conversation": "a", "role": "agent", "text": "yo"}'
    )
    assert [t.at for t in read(tmp_path, "c.jsonl", jsonl).turns] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-05-01 10:02:03", "2024-05-01T10:02:03+08:00"),
        ("2024/5/1 10:02", "2024-05-01T10:02:00+08:00"),
        ("2024-05-01T10:02:03.250+08:00", "2024-05-01T10:02:03.250+08:00"),
        ("2024-05-01T02:02:03Z", "2024-05-01T02:02:03+00:00"),
        ("2024年5月1日 10:02", "2024-05-01T10:02:00+08:00"),
        ("2024-05-01", "2024-05-01T00:00:00+08:00"),
        ("1714528923", "2024-05-01T10:02:03+08:00"),
        ("1714528923000", "2024-05-01T10:02:03+08:00"),
    ],
)
def test_time_layouts(tmp_path: Path, written: str, expected: str) -> None:
    log = read(tmp_path, "c.csv", csv_bytes(["conversation,time,role,text", f"a,{written},customer,hi"]))
    assert log.turns[0].at == datetime.fromisoformat(expected).timestamp()


# -- refusals ------------------------------------------------------------------------------------------

GOOD_HEADER = "conversation,time,role,text"


def test_unknown_role_names_the_row_as_excel_numbers_it(tmp_path: Path) -> None:
    lines = ["会话ID,时间,角色,内容"] + [f"c{n},2024-05-01 10:00,买家,你好" for n in range(2, 12)]
    lines.append("c12,2024-05-01 10:00,老板,你好")
    error = refused(tmp_path, "c.csv", csv_bytes(lines))
    assert error.message == "第 12 行：角色“老板”无法识别（可用：customer、agent、买家、客服）"
    assert error.details == {"row": 12, "column": "角色", "reason": error.message.removeprefix("第 12 行：")}


def test_xlsx_rows_count_blank_rows_as_excel_does(tmp_path: Path) -> None:
    error = refused(
        tmp_path,
        "c.xlsx",
        xlsx_bytes(
            [
                [],
                ["conversation", "time", "role", "text"],
                ["a", "2024-05-01 10:00", "customer", "hi"],
                [],
                ["a", "昨天下午", "agent", "好的"],
            ]
        ),
    )
    assert error.details["row"] == 5 and error.details["column"] == "time"
    assert "时间“昨天下午”无法识别" in error.message


@pytest.mark.parametrize("name", ["chats.txt", "chats", "chats.json", "chats.xls"])
def test_unknown_extension(tmp_path: Path, name: str) -> None:
    error = refused(tmp_path, name, csv_bytes([GOOD_HEADER, "a,,customer,hi"]))
    assert error.details["row"] is None
    if name.endswith(".xls"):
        assert "另存为" in error.message and ".xlsx" in error.message
    else:
        assert ".csv、.xlsx、.jsonl、.ndjson" in error.message


def test_undecodable_csv(tmp_path: Path) -> None:
    error = refused(tmp_path, "c.csv", b"conversation,time,role,text\r\na,,customer,\xff\xfe\x81\x20")
    assert "无法识别文件编码" in error.message


def test_undecodable_json_lines_names_the_line(tmp_path: Path) -> None:
    data = b'{"conversation": "a", "role": "customer", "text": "hi"}\n{"text": "\xff"}\n'
    assert refused(tmp_path, "c.jsonl", data).details["row"] == 2


def test_missing_columns_are_named_in_both_languages(tmp_path: Path) -> None:
    error = refused(tmp_path, "c.csv", csv_bytes(["会话ID,时间,昵称,备注", "a,,x,y"]))
    assert error.details["row"] == 1 and error.details["column"] == "role、text"
    assert "缺少必需的列：角色（role）、内容（text）" in error.message
    missing = refused(tmp_path, "c.jsonl", b'{"conversation": "a", "text": "hi"}')
    assert missing.message == "第 1 行：缺少字段 role（角色）"


def test_a_column_given_twice(tmp_path: Path) -> None:
    error = refused(tmp_path, "c.csv", csv_bytes(["conversation,time,role,内容,消息", "a,,customer,x,y"]))
    assert error.details["row"] == 1 and "只能有一列" in error.message


@pytest.mark.parametrize("time", ["昨天", "2024-02-30 10:00", "25:00", "12345", "2024-05-01 25:61"])
def test_bad_time(tmp_path: Path, time: str) -> None:
    error = refused(
        tmp_path, "c.csv", csv_bytes([GOOD_HEADER, "a,2024-05-01 10:00,customer,hi", f"a,{time},agent,好的"])
    )
    assert error.details == {"row": 3, "column": "time", "reason": error.reason}
    assert error.reason.startswith(f"时间“{time}”无法识别（可用：")


def test_a_time_missing_in_some_rows_only(tmp_path: Path) -> None:
    error = refused(
        tmp_path,
        "c.csv",
        csv_bytes([GOOD_HEADER, "a,2024-05-01 10:00,customer,hi", "a,,agent,好的", "a,2024-05-01 10:01,customer,嗯"]),
    )
    assert error.details["row"] == 3 and "时间为空" in error.message


def test_text_longer_than_allowed(tmp_path: Path) -> None:
    data = csv_bytes([GOOD_HEADER, "a,,customer,hi", f"a,,agent,{'好' * 101}"])
    error = refused(tmp_path, "c.csv", data, max_text_chars=100)
    assert error.message == "第 3 行：内容有 101 个字，超过上限 100 个字"
    assert read(tmp_path, "c.csv", data, max_text_chars=101).messages == 2


def test_too_many_rows(tmp_path: Path) -> None:
    data = csv_bytes([GOOD_HEADER] + [f"a,,customer,第{n}句" for n in range(6)])
    error = refused(tmp_path, "c.csv", data, max_rows=5)
    assert error.details["row"] == 7 and "5 行" in error.message
    assert read(tmp_path, "c.csv", data, max_rows=6).messages == 6


def test_invalid_json_names_its_line(tmp_path: Path) -> None:
    data = b'{"conversation": "a", "role": "customer", "text": "hi"}\n\n{"conversation": "a", "role": \n'
    error = refused(tmp_path, "c.jsonl", data)
    assert error.details["row"] == 3 and error.message.startswith("第 3 行：不是合法的 JSON：")


def test_a_number_too_long_for_python_is_refused_not_crashed(tmp_path: Path) -> None:
    line = b'{"conversation": "a", "role": "customer", "text": "hi", "extra": ' + b"9" * 5000 + b"}"
    error = refused(tmp_path, "c.jsonl", line)
    assert error.message == "第 1 行：不是合法的 JSON：数字位数过多"


def test_characters_no_database_stores_are_dropped(tmp_path: Path) -> None:
    line = json.dumps({"conversation": "a\u0000b", "role": "customer", "text": "在吗\u0000\ud800？"})
    log = read(tmp_path, "c.jsonl", line.encode("utf-8"))
    assert [(turn.conversation, turn.text) for turn in log.turns] == [("ab", "在吗？")]


@pytest.mark.parametrize(("line", "kind"), [(b'["a", "customer"]', "数组"), (b'"hi"', "文字"), (b"42", "数字")])
def test_a_json_line_that_is_not_an_object(tmp_path: Path, line: bytes, kind: str) -> None:
    error = refused(tmp_path, "c.jsonl", b'{"conversation": "a", "role": "customer", "text": "hi"}\n' + line)
    assert error.message == f"第 2 行：每一行应为一个 JSON 对象（{{...}}），这一行是{kind}"


def test_a_json_text_that_is_not_text(tmp_path: Path) -> None:
    error = refused(tmp_path, "c.jsonl", b'{"conversation": "a", "role": "customer", "text": {"img": 1}}')
    assert error.details == {"row": 1, "column": "text", "reason": "内容应为文字，这里是对象"}


def test_deeply_nested_json_is_refused_not_crashed(tmp_path: Path) -> None:
    error = refused(tmp_path, "c.jsonl", b"[" * 100_000)
    assert error.details["row"] == 1 and "嵌套" in error.message


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("c.csv", b"", "文件是空的"),
        ("c.csv", "\ufeff\r\n\r\n".encode(), "文件是空的"),
        ("c.csv", csv_bytes([GOOD_HEADER]), "没有任何一行"),
        ("c.csv", csv_bytes([GOOD_HEADER, "a,,customer,", "a,,agent,  "]), "没有一条有内容的消息（2 行内容为空）"),
        ("c.jsonl", b"\n\n", "文件是空的"),
        ("c.xlsx", xlsx_bytes([]), "文件是空的"),
        ("c.xlsx", xlsx_bytes([["conversation", "time", "role", "text"]]), "没有任何一行"),
    ],
)
def test_empty_files(tmp_path: Path, name: str, data: bytes, said: str) -> None:
    assert said in refused(tmp_path, name, data).message


def test_empty_conversation_and_empty_role(tmp_path: Path) -> None:
    error = refused(tmp_path, "c.csv", csv_bytes([GOOD_HEADER, ",,customer,hi"]))
    assert error.details == {"row": 2, "column": "conversation", "reason": "会话ID为空"}
    error = refused(tmp_path, "c.csv", csv_bytes([GOOD_HEADER, "a,,,hi"]))
    assert error.reason == "角色为空（可用：customer、agent、买家、客服）"


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"not a workbook", "不是有效的 xlsx 文件"),
        (b"\xd0\xcf\x11\xe0old excel", "旧版 .xls"),
    ],
)
def test_a_file_that_is_not_a_workbook(tmp_path: Path, data: bytes, said: str) -> None:
    error = refused(tmp_path, "c.xlsx", data)
    assert said in error.message and error.details["row"] is None
