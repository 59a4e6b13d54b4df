"""Rule packs: every default pack loads; a pack with a mistake is refused whole, naming file, rule and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.lint import RulePackError, load_rules
from tests.conftest import RULES_DIR


def write_pack(tmp_path: Path, body: str, name: str = "shop.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def problems_of(*paths: Path) -> list[str]:
    with pytest.raises(RulePackError) as caught:
        load_rules(list(paths))
    return caught.value.problems


def test_every_default_pack_loads() -> None:
    rules = load_rules([RULES_DIR])
    # words.yaml holds only the word classes the other packs share
    assert {path.stem for path in RULES_DIR.glob("*.yaml")} - {"words"} == {rule.id.split(".")[0] for rule in rules}


def test_every_default_rule_has_a_category_and_a_full_width_message() -> None:
    for rule in load_rules([RULES_DIR]):
        assert rule.category != "custom", rule.id
        assert not set(rule.message) & set(",;:!?"), f"{rule.id}: half-width punctuation in {rule.message!r}"


def test_rules_are_named_after_their_pack_and_get_defaults(tmp_path: Path) -> None:
    pack = write_pack(tmp_path, "rules:\n  - id: rude\n    kind: forbid\n    message: 禁止\n    terms: [滚]\n")
    (rule,) = load_rules([pack])
    assert rule.id == "shop.rude"
    assert rule.severity == "error" and rule.scope == "all" and rule.enabled


def test_unknown_kind_lists_the_valid_kinds(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "rules:\n  - id: x\n    kind: forbidd\n    message: m\n")
    (problem,) = problems_of(path)
    assert f"{path}:2" in problem and "shop.x" in problem and "forbidd" in problem
    assert "forbid, substitute, no_bu, pronoun, promise, curt, contact, regex, clause" in problem


def test_bad_regex_names_the_rule_and_the_reason(tmp_path: Path) -> None:
    path = write_pack(
        tmp_path,
        "rules:\n  - id: ok\n    kind: forbid\n    message: m\n    terms: [a]\n"
        "  - id: broken\n    kind: regex\n    message: m\n    pattern: '(unclosed'\n",
    )
    (problem,) = problems_of(path)
    assert f"{path}:6" in problem and "shop.broken" in problem and "正则表达式无效" in problem


def test_missing_id_is_refused(tmp_path: Path) -> None:
    (problem,) = problems_of(write_pack(tmp_path, "rules:\n  - kind: forbid\n    message: m\n    terms: [a]\n"))
    assert "缺少 id" in problem and "id: 缺少必填字段" in problem


def test_duplicate_id_across_files_is_refused(tmp_path: Path) -> None:
    body = "rules:\n  - id: a\n    kind: forbid\n    message: m\n    terms: [x]\n"
    first = write_pack(tmp_path, body + "  - id: a\n    kind: forbid\n    message: m\n    terms: [y]\n")
    (problem,) = problems_of(first)
    assert "shop.a" in problem and "id 重复" in problem


def test_missing_field_and_unknown_field_are_named(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "rules:\n  - id: a\n    kind: substitute\n    message: m\n    swop: {不行: 无法}\n")
    (problem,) = problems_of(path)
    assert "swap: 缺少必填字段" in problem and "swop: 未知字段" in problem


def test_bad_severity_lists_the_choices(tmp_path: Path) -> None:
    body = "rules:\n  - id: a\n    kind: forbid\n    message: m\n    terms: [x]\n    severity: fatal\n"
    path = write_pack(tmp_path, body)
    (problem,) = problems_of(path)
    assert "severity: 取值无效" in problem and "error" in problem


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "rules:\n  - id: a\n    terms: [x\n")
    (problem,) = problems_of(path)
    assert str(path) in problem and "YAML" in problem


def test_one_bad_pack_refuses_all_of_them(tmp_path: Path) -> None:
    write_pack(tmp_path, "rules:\n  - id: a\n    kind: forbid\n    message: m\n    terms: [x]\n", "good.yaml")
    write_pack(tmp_path, "rules: nope\n", "bad.yaml")
    (problem,) = problems_of(tmp_path)
    assert "bad.yaml" in problem


def test_service_refuses_to_start_on_a_broken_pack(tmp_path: Path) -> None:
    from copilot.api.app import create_app
    from tests.conftest import make_settings

    write_pack(tmp_path, "rules:\n  - id: a\n    kind: nope\n    message: m\n")
    with pytest.raises(RulePackError):
        create_app(make_settings(tmp_path, rules_dir=tmp_path))


CLAUSE = "rules:\n  - id: c\n    kind: clause\n    message: m\n    patterns: ['{pattern}']\n"


def test_a_clause_pattern_naming_an_unknown_word_class_is_refused(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "classes:\n  party: [快递]\n" + CLAUSE.format(pattern="找 {partee} 去"))
    (problem,) = problems_of(path)
    assert f"{path}:4" in problem and "shop.c" in problem
    assert "未知的词类 {partee}" in problem and "party" in problem


def test_word_classes_are_shared_across_packs(tmp_path: Path) -> None:
    write_pack(tmp_path, "classes:\n  party: [快递]\n", "words.yaml")
    write_pack(tmp_path, CLAUSE.format(pattern="找 {party} 去"), "attitude.yaml")
    (rule,) = load_rules([tmp_path])
    assert rule.id == "attitude.c"


def test_a_word_class_defined_twice_is_refused(tmp_path: Path) -> None:
    write_pack(tmp_path, "classes:\n  party: [快递]\n", "a.yaml")
    write_pack(tmp_path, "classes:\n  party: [平台]\n", "b.yaml")
    (problem,) = problems_of(tmp_path)
    assert "b.yaml" in problem and "词类 party 重复" in problem


def test_a_malformed_clause_pattern_says_where_and_why(tmp_path: Path) -> None:
    (problem,) = problems_of(write_pack(tmp_path, CLAUSE.format(pattern="(找|问 快递")))
    assert "patterns[0]" in problem and "括号 ( 没有闭合" in problem


def test_a_clause_pattern_needs_a_word_to_anchor_on(tmp_path: Path) -> None:
    (problem,) = problems_of(write_pack(tmp_path, CLAUSE.format(pattern="<v> … <v>")))
    assert "至少要有一个必须出现的词" in problem


def test_word_classes_that_refer_to_each_other_in_a_loop_are_refused(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "classes:\n  a: '{b} 了'\n  b: '{a} 呢'\n" + CLAUSE.format(pattern="{a} 吧"))
    (problem,) = problems_of(path)
    assert "互相引用" in problem


def test_a_fix_naming_a_class_the_pattern_lacks_is_refused(tmp_path: Path) -> None:
    body = (
        "classes:\n  day: [明天]\nrules:\n  - id: c\n    kind: clause\n    message: m\n"
        "    patterns:\n      - match: '{day} 一定 到'\n        fix: '预计{when}能到'\n"
    )
    (problem,) = problems_of(write_pack(tmp_path, body))
    assert "fix 用了模式里没有的 {when}" in problem and "day" in problem


def test_an_allow_list_that_swallows_a_term_is_refused(tmp_path: Path) -> None:
    body = "rules:\n  - id: f\n    kind: forbid\n    message: m\n    terms: [垃圾, 滚]\n    allow: [垃圾, 垃圾袋]\n"
    path = write_pack(tmp_path, body)
    (problem,) = problems_of(path)
    assert f"{path}:2" in problem and "shop.f" in problem and "allow 与词条 垃圾 相同" in problem


def test_an_unknown_intent_on_a_rule_is_refused(tmp_path: Path) -> None:
    body = "rules:\n  - id: f\n    kind: forbid\n    message: m\n    terms: [x]\n    intent: shipping\n"
    (problem,) = problems_of(write_pack(tmp_path, body))
    assert "未知的意图 'shipping'" in problem and "ship_time" in problem


def test_an_unknown_category_lists_the_choices(tmp_path: Path) -> None:
    body = "category: rude\nrules:\n  - id: f\n    kind: forbid\n    message: m\n    terms: [x]\n"
    (problem,) = problems_of(write_pack(tmp_path, body))
    assert "category: 取值无效" in problem and "insult" in problem


def test_an_unknown_pack_key_is_refused(tmp_path: Path) -> None:
    (problem,) = problems_of(write_pack(tmp_path, "rules: []\nclases: {}\n"))
    assert "未知的字段 clases" in problem
