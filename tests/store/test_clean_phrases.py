"""Clean phrases in the store and the CLI: the body check and its history, Chinese intent labels, one
error per row, and `kefu-copilot import --replace / --force`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from copilot.config import PROJECT_ROOT, Settings
from copilot.lint import Linter
from copilot.live import LiveIndex
from copilot.rulebook import RuleBook
from copilot.store import Store
from copilot.store.errors import PhraseBlocked
from copilot.store.importer import import_phrases, one_per_row
from copilot.store.io import RowError, format_for
from copilot.store.phrase_check import body_check
from copilot.store.phrases import create_phrase, get_phrase, phrase_history, update_phrase
from copilot.store.rule_schemas import RuleCreate
from copilot.store.rules import create_shop_rule
from copilot.store.schemas import PhraseCreate, PhraseUpdate
from copilot.suggest.intents import INTENTS, intent_id
from copilot.suggest.lexicon import load_lexicon
from tests.conftest import RunCli

DEFAULTS = {"agent_no": "客服01号", "shop": "小熊旗舰店", "customer": "亲"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("return_exchange", "return_exchange"),
        ("退换货", "return_exchange"),
        ("发货时间/催发货", "ship_time"),
        ("发货时间／催发货", "ship_time"),
        (" 催发货 ", "ship_time"),
        ("问候", "greeting"),
        ("Greeting", "greeting"),
        ("发货", None),
        ("", None),
    ],
)
def test_an_intent_is_named_by_its_id_its_label_or_a_part_of_it(name: str, expected: str | None) -> None:
    assert intent_id(name) == expected


def test_every_label_names_its_own_intent() -> None:
    assert all(intent_id(label) == key for key, label in INTENTS.items())


def test_the_check_renders_the_body_before_linting(linter: Linter) -> None:
    check = body_check(linter, DEFAULTS | {"shop": "加我微信kefu888"})  # a shop name a lead typed badly
    assert [p["text"] for p in check("亲，欢迎光临{shop}~")] == ["加我微信"]
    assert body_check(linter, DEFAULTS)("亲，欢迎光临{shop}~") == []


def test_a_forced_save_records_the_problems_and_a_later_clean_edit_records_none(store: Store, linter: Linter) -> None:
    check = body_check(linter, DEFAULTS)
    data = {"title": "承诺", "body": "亲，保证明天一定到~", "intent": "delivery_time", "group": "售中"}
    with store.begin() as session, pytest.raises(PhraseBlocked) as refused:
        create_phrase(session, data=PhraseCreate(**data), check=check)
    assert "明天一定到" in refused.value.message and "promise." not in refused.value.message
    with store.begin() as session:
        created = create_phrase(session, data=PhraseCreate(**data, force=True), check=check, actor="wang")
        # switching it off is not held up; switching it back on is
        update_phrase(session, phrase_id=created.id, data=PhraseUpdate(version=1, enabled=False), check=check)
    with store.begin() as session, pytest.raises(PhraseBlocked):
        update_phrase(session, phrase_id=created.id, data=PhraseUpdate(version=2, enabled=True), check=check)
    with store.begin() as session:
        update_phrase(
            session,
            phrase_id=created.id,
            data=PhraseUpdate(version=2, body="亲，预计明天能到~", enabled=True),
            check=check,
        )
        history = phrase_history(session, phrase_id=created.id)
        assert get_phrase(session, phrase_id=created.id).enabled
    assert [bool(h["overridden"]) for h in history] == [True, False, False]


def test_one_error_per_row_joins_its_columns_and_drops_repeats() -> None:
    errors = [
        RowError(3, "意图", "意图 'x' 不存在"),
        RowError(3, "分组", "分组 'y' 不存在"),
        RowError(3, "意图", "意图 'x' 不存在"),
        RowError(0, "", "文件有误"),
        RowError(4, "标题", "缺少必填字段"),
        RowError(4, "短语内容", "缺少必填字段"),
    ]
    merged = one_per_row(errors)
    assert [(e.line, e.field) for e in merged] == [(3, "意图、分组"), (0, ""), (4, "标题、短语内容")]
    assert merged[0].reason == "意图 'x' 不存在；分组: 分组 'y' 不存在"
    assert merged[2].reason == "缺少必填字段；短语内容: 缺少必填字段"


def test_merge_keeps_order_and_replace_takes_the_cell(store: Store) -> None:
    body = "亲,我们可以为您提供正规发票的,请在订单备注里留下抬头和税号~"
    sheet = f'快捷编码,短语内容,关键词,示例问题\nfp1,"{body}",开票|发票抬头|发票,\n'.encode()
    fmt = format_for(filename="a.csv")
    with store.begin() as session:
        rows, _ = fmt.read(sheet, "")
        report = import_phrases(session, rows)
        assert report.updated == ["invoice-01"]
        phrase = get_phrase(session, phrase_id="invoice-01")
        assert phrase.keywords == ["发票", "开票", "发票抬头"]  # stored first, new ones after, no repeats
        assert phrase.examples == ["能开发票吗", "亲 可以开票不", "發票怎麼開"]  # a blank cell adds nothing
        rows, _ = fmt.read(sheet, "")
        import_phrases(session, rows, replace=True)
        phrase = get_phrase(session, phrase_id="invoice-01")
        assert phrase.keywords == ["开票", "发票抬头", "发票"] and phrase.examples == []


def test_cli_import_needs_force_for_blocked_rows_and_replaces_on_request(
    tmp_path: Path, phrasebank_dir: Path, run_cli: RunCli
) -> None:
    env = {"COPILOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COPILOT_PHRASEBANK_DIR": str(phrasebank_dir)}
    sheet = tmp_path / "千牛.csv"
    sheet.write_text("分组,快捷编码,短语内容,意图,关键词\n售中,fh1,亲，明天一定到哦~,催发货,催单\n", encoding="gb18030")
    code, _, err = run_cli("import", str(sheet), env=env)
    assert code == 1 and "--force" in err and "明天一定到" in err
    code, out, _ = run_cli("import", "--dry-run", str(sheet), env=env)
    assert code == 0 and "修改 ship-01" in out and "关键词" in out
    assert "含禁止发送的内容" in out
    code, out, err = run_cli("import", "--force", "--replace", str(sheet), env=env)
    assert code == 0, err
    assert "（其中 1 条含禁止发送的内容）" in out
    exported = tmp_path / "out.yaml"
    assert run_cli("export", str(exported), env=env)[0] == 0
    assert "keywords: [催单]" in exported.read_text(encoding="utf-8")


def test_the_phrase_index_re_marks_blocked_phrases_when_another_worker_changes_the_rules(store: Store) -> None:
    settings = Settings()
    rulebook = RuleBook(PROJECT_ROOT / "rules", store)
    live = LiveIndex(store, load_lexicon(settings.lexicon_dir, settings.training_dir), DEFAULTS, rulebook)
    index = live.suggester.index
    assert live.suggester.blocked == frozenset()
    with store.begin() as session:  # as another worker would: only the database knows
        create_shop_rule(session, data=RuleCreate(kind="forbid", term="48小时内", severity="error"))
    assert asyncio.run(live.refresh()) is True
    assert live.suggester.blocked == {"ship-01"} and live.suggester.index is index  # the index is kept
    assert asyncio.run(live.refresh()) is False
