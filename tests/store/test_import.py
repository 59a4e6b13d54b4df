"""Import and export in YAML, CSV and xlsx: round trips, update in place, all-or-nothing, bad files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from copilot.store import Store, open_store, phrasebank_version
from copilot.store.errors import ImportRefused
from copilot.store.importer import import_phrases
from copilot.store.io import FORMATS, ImportReport, format_for
from copilot.store.phrases import create_phrase, list_phrases
from copilot.store.schemas import PhraseCreate

HEADER = "分组,快捷编码,短语内容,标题,意图,关键词,示例问题,启用,ID\r\n"
ODD_PHRASES = [
    {
        "title": "带换行",
        "body": '亲，第一行\n第二行 <script>alert(1)</script> & "引号", 逗号',
        "intent": "other",
        "group": "售后",
        "shortcut": "123",
        "keywords": ["換貨", "换货"],
        "examples": [],
    },
    {
        "title": "等号开头",
        "body": "=SUM(A1:A2) 不是公式",
        "intent": "bargain",
        "group": "售前",
        "keywords": [],
        "examples": ["能便宜点吗"],
        "enabled": False,
    },
]


def run_import(store: Store, data: bytes, filename: str, *, dry_run: bool = False) -> ImportReport:
    fmt = format_for(filename=filename)
    rows, errors = fmt.read(data, "")
    with store.begin() as session:
        return import_phrases(session, rows, errors=errors, dry_run=dry_run)


def snapshot(store: Store) -> list[dict[str, object]]:
    with store.begin() as session:
        return [p.model_dump(exclude={"version"}) for p in list_phrases(session)]


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "empty-phrasebank"
    folder.mkdir()
    return folder


@pytest.fixture
def source_store(tmp_path: Path, phrasebank_dir: Path) -> Iterator[Store]:
    """A SQLite store with the tiny phrasebank plus phrases that are hard to carry through a spreadsheet."""
    opened = open_store(f"sqlite:///{tmp_path / 'source.db'}", phrasebank_dir)
    with opened.begin() as session:
        for values in ODD_PHRASES:
            create_phrase(session, data=PhraseCreate(**values))
    yield opened
    opened.dispose()


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_export_imported_into_a_fresh_database_gives_the_same_phrasebank(
    fmt: str, source_store: Store, database_url: str, empty_dir: Path
) -> None:
    with source_store.begin() as session:
        exported = FORMATS[fmt].write(list_phrases(session))
    fresh = open_store(database_url, empty_dir)
    try:
        report = run_import(fresh, exported, f"phrasebank.{fmt}")
        assert (len(report.added), report.updated, report.unchanged, report.errors) == (5, [], [], [])
        assert snapshot(fresh) == snapshot(source_store)
        again = run_import(fresh, exported, f"phrasebank.{fmt}")
        assert (again.added, again.updated, len(again.unchanged)) == ([], [], 5)
        with fresh.begin() as session:
            assert phrasebank_version(session) == 1  # the second import changed nothing
    finally:
        fresh.dispose()


def test_the_default_phrasebank_files_are_importable_and_change_nothing(store: Store, phrasebank_dir: Path) -> None:
    report = run_import(store, (phrasebank_dir / "tiny.yaml").read_bytes(), "tiny.yaml")
    assert report.ok and sorted(report.unchanged) == ["invoice-01", "refund-01", "ship-01"]


def test_rows_update_by_id_or_by_shortcut_and_add_new_ones(store: Store) -> None:
    data = (
        HEADER
        + "售前,fp1,亲，发票随货寄出哦~,,,,,,\r\n"  # no id: matched by its shortcut
        + "售中,FH9,亲，48小时内发货~,改过的标题,ship_time,,,否,ship-01\r\n"  # by id: shortcut changes too
        + '售后,th1,亲，退货地址请看详情页~,,return_exchange,退货|地址,"退货地址在哪\n寄到哪",,\r\n'  # new
    ).encode("utf-8")
    report = run_import(store, data, "team.csv")
    assert report.errors == [] and report.updated == ["invoice-01", "ship-01"] and len(report.added) == 1
    with store.begin() as session:
        phrases = {p.id: p for p in list_phrases(session)}
    invoice = phrases["invoice-01"]
    assert invoice.body == "亲，发票随货寄出哦~" and invoice.title == "可以开发票"  # blank title kept
    assert invoice.keywords == ["发票", "开票"]  # the column is there and blank: nothing to merge, kept
    ship = phrases["ship-01"]
    assert (ship.shortcut, ship.title, ship.enabled, ship.version) == ("fh9", "改过的标题", False, 2)
    new = phrases[report.added[0]]
    assert new.id.startswith("p-") and new.title == "亲，退货地址请看详情页~"  # title made from the body
    assert new.keywords == ["退货", "地址"] and new.examples == ["退货地址在哪", "寄到哪"]
    assert run_import(store, data, "team.csv").updated == []  # the same file twice changes nothing


def test_a_qianniu_file_with_only_its_three_columns_imports(store: Store) -> None:
    data = "分组,快捷编码,短语内容\n售前,hi,亲，在的呢~\n售前,,亲，欢迎光临~\n".encode("gb18030")
    report = run_import(store, data, "qianniu.csv")
    assert report.errors == [] and len(report.added) == 2
    assert run_import(store, data, "qianniu.csv").unchanged == sorted(report.added, key=report.added.index)
    with store.begin() as session:
        greeting = [p for p in list_phrases(session, q="欢迎光临")][0]
    assert greeting.intent == "other" and greeting.shortcut is None


def test_a_bad_row_refuses_the_whole_file_with_row_and_reason(store: Store) -> None:
    data = (
        HEADER
        + "售前,xx1,新的一条,,invoice,,,,\r\n"
        + "售前,xx2,另一条,,no_such_intent,,,,\r\n"
        + "售中,fh1,偷用别人的快捷编码,,other,,,,new-1\r\n"
        + "特价,xx3,分组不对,,other,,,,\r\n"
    ).encode("utf-8")
    before = snapshot(store)
    report = run_import(store, data, "bad.csv")
    messages = [str(error) for error in report.errors]
    assert messages[0].startswith("第 3 行 意图: 意图 'no_such_intent' 不存在,可选: greeting")
    assert messages[1] == "第 5 行 分组: 分组 '特价' 不存在,可选: 售前、售中、售后"
    assert messages[2] == "第 4 行 快捷编码: 快捷编码 fh1 与短语 ship-01 的重复"
    assert report.added == [] and snapshot(store) == before
    with store.begin() as session:
        assert phrasebank_version(session) == 1


def test_duplicate_shortcuts_and_ids_within_one_file_are_refused(store: Store) -> None:
    data = (
        HEADER
        + "售前,ab,一,,other,,,,\r\n售前,AB,二,,other,,,,\r\n"
        + "售前,,三,,other,,,,x-1\r\n售前,,四,,other,,,,x-1\r\n"
    ).encode("utf-8")
    report = run_import(store, data, "dup.csv")
    assert [str(e) for e in report.errors] == [
        "第 5 行 ID: 与第 4 行是同一条短语 (x-1)",
        "第 3 行 快捷编码: 快捷编码 ab 与第 2 行重复",
    ]


def test_two_phrases_may_swap_shortcuts_in_one_import(store: Store) -> None:
    data = (
        HEADER
        + "售前,fh1,亲，可以开发票的~,,invoice,,,,invoice-01\r\n"
        + "售中,fp1,亲，尽快发货~,,ship_time,,,,ship-01\r\n"
    ).encode("utf-8")
    assert run_import(store, data, "swap.csv").errors == []
    with store.begin() as session:
        assert {p.id: p.shortcut for p in list_phrases(session)}["invoice-01"] == "fh1"


def test_dry_run_reports_but_writes_nothing(store: Store) -> None:
    data = (HEADER + "售前,new1,新短语,,other,,,,\r\n").encode("utf-8")
    report = run_import(store, data, "new.csv", dry_run=True)
    assert report.dry_run and len(report.added) == 1 and report.summary() == "预览：新增 1 条，更新 0 条，未变 0 条"
    assert len(snapshot(store)) == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_the_encodings_excel_writes(store: Store, encoding: str) -> None:
    data = (HEADER + "售后,tk9,亲，退款原路返回~,,refund,退款,退款到哪了,,\r\n").encode(encoding)
    report = run_import(store, data, "excel.csv")
    assert report.errors == [] and len(report.added) == 1
    with store.begin() as session:
        assert list_phrases(session, q="退款原路返回")[0].examples == ["退款到哪了"]


def test_csv_in_an_unknown_encoding_is_refused(store: Store) -> None:
    data = HEADER.encode("utf-8") + "other,x1,café crème,,other,,,,\r\n".encode("latin-1")
    with pytest.raises(ImportRefused, match="无法识别文件编码"):
        run_import(store, data, "latin.csv")


def test_csv_with_unknown_headers_is_refused_with_a_hint(store: Store) -> None:
    with pytest.raises(ImportRefused, match="表头 '关键字' 无法识别"):
        run_import(store, "分组,短语内容,关键字\n售前,亲，x\n".encode(), "typo.csv")


@pytest.mark.parametrize(
    "data", [b"just some text, not a workbook", b"\xd0\xcf\x11\xe0" + b"\0" * 100, b"PK\x03\x04 broken zip"]
)
def test_a_file_named_xlsx_that_is_not_one_is_refused(store: Store, data: bytes) -> None:
    with pytest.raises(ImportRefused, match="不是有效的 xlsx 文件"):
        run_import(store, data, "phrases.xlsx")


def test_xlsx_cells_typed_as_numbers_and_formulas_come_back_as_text(store: Store) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["分组", "快捷编码", "短语内容", "意图", "启用"])
    sheet.append(["售前", 88, "亲，在的~", "greeting", True])
    out = io.BytesIO()
    workbook.save(out)
    report = run_import(store, out.getvalue(), "numbers.xlsx")
    assert report.errors == [] and len(report.added) == 1
    with store.begin() as session:
        assert list_phrases(session, q="在的")[0].shortcut == "88"


def test_xlsx_export_keeps_text_that_looks_like_a_formula(source_store: Store) -> None:
    with source_store.begin() as session:
        data = FORMATS["xlsx"].write(list_phrases(session))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    bodies = [row[2].value for row in sheet.iter_rows(min_row=2)]
    assert "=SUM(A1:A2) 不是公式" in bodies and all(row[2].data_type == "s" for row in sheet.iter_rows())


def test_yaml_errors_name_the_line(store: Store) -> None:
    data = "phrases:\n  - id: a-1\n    title: 一\n    intent: other\n    group: 售前\n    body: 亲\n    keyword: [x]\n"
    report = run_import(store, data.encode(), "x.yaml")
    assert [str(e) for e in report.errors] == [
        "第 7 行 keyword: 未知字段,可用: group、shortcut、body、title、intent、keywords、examples、enabled、id"
    ]
    with pytest.raises(ImportRefused, match="YAML 格式错误 第 3 行"):
        run_import(store, b"phrases:\n  - id: [unclosed\n", "x.yaml")


def test_over_long_text_and_lone_surrogates_are_row_errors(store: Store) -> None:
    data = "phrases:\n  - {title: 一, intent: other, group: 售前, body: '" + "长" * 1001 + "'}\n"
    assert "上限 1000 个字符" in str(run_import(store, data.encode(), "x.yaml").errors[0])


def test_wrong_extension_lists_the_supported_ones() -> None:
    with pytest.raises(ImportRefused, match=r"不支持的文件类型 \.xls,支持: \.yaml、\.yml、\.csv、\.xlsx"):
        format_for(filename="old.xls")


def test_yaml_accepts_numbers_as_text_and_chinese_yes_no(store: Store) -> None:
    data = "phrases:\n  - {title: 在的, intent: greeting, group: 售前, shortcut: 123, body: 亲在的, enabled: 否}\n"
    report = run_import(store, data.encode(), "x.yaml")
    assert report.errors == []
    with store.begin() as session:
        phrase = list_phrases(session, q="亲在的")[0]
    assert (phrase.shortcut, phrase.enabled) == ("123", False)
