"""GET /v1/meta serves the Python tables the pages used to copy: it must say what the code says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

from fastapi.testclient import TestClient

from copilot.api.routes.meta import meta
from copilot.auth.roles import ROLE_ZH, ROLES
from copilot.lint.categories import CATEGORIES
from copilot.lint.diagnostic import Severity
from copilot.lint.kinds import KINDS, SHOP_KINDS
from copilot.lint.shop import DEFAULT_MESSAGE, DEFAULT_SEVERITY, build_shop_rule
from copilot.store.rule_schemas import Kind
from copilot.suggest.intents import GROUPS, INTENT_SHORT, INTENTS

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_the_api_answers_the_tables(api: TestClient) -> None:
    answer = api.get("/v1/meta")
    assert answer.status_code == 200, answer.text
    assert answer.json() == meta().model_dump(mode="json")


def test_intents_groups_roles_severities_and_categories_are_the_codes() -> None:
    served = meta()
    assert [(i.id, i.label) for i in served.intents] == list(INTENTS.items())
    assert INTENT_SHORT.keys() == INTENTS.keys() and all(i.short == INTENT_SHORT[i.id] for i in served.intents)
    assert served.groups == list(GROUPS)
    assert [(r.id, r.label) for r in served.roles] == [(r, ROLE_ZH[r]) for r in ROLES]
    assert [s.id for s in served.severities] == [s.value for s in Severity]
    assert [(c.id, c.label) for c in served.categories] == list(CATEGORIES.items())
    assert [v.id for v in served.verdicts] == ["ok", "warn", "block"]


def test_every_kind_is_served_with_a_chinese_label_and_the_shop_kinds_come_first() -> None:
    kinds = meta().kinds
    assert sorted(k.id for k in kinds) == sorted(KINDS)
    assert all(_CHINESE.search(k.label) for k in kinds), [k.id for k in kinds if not _CHINESE.search(k.label)]
    shop = [k.id for k in kinds if k.shop is not None]
    assert shop == list(SHOP_KINDS) == [k.id for k in kinds[: len(shop)]]
    # the request model accepts exactly these kinds, in this order (its 422 lists them so)
    assert get_args(Kind) == tuple(SHOP_KINDS)


def test_a_shop_kinds_form_is_what_the_server_does() -> None:
    for kind in meta().kinds:
        if kind.shop is None:
            continue
        assert (kind.shop.severity, kind.shop.message) == (DEFAULT_SEVERITY[kind.id], DEFAULT_MESSAGE[kind.id])
        replacements = [] if kind.shop.replacements == "none" else ["请您稍候"]
        # the form's example makes a rule of its kind, left to the defaults
        fields = {"id": "shop.1", "kind": kind.id, "term": kind.shop.example, "replacements": replacements}
        rule = build_shop_rule(fields)
        assert rule.kind == kind.id and rule.severity.value == kind.shop.severity
        assert kind.shop.example in rule.summary() or kind.id == "substitute"


def test_the_pages_copy_no_table() -> None:
    """The pages read /v1/meta (static/meta.js): an id next to a Chinese name in a page is a copy again."""
    ids = [*INTENTS, *KINDS, *ROLES, *(s.value for s in Severity), *CATEGORIES, "presale", "aftersale"]
    copied = re.compile(rf"\b({'|'.join(ids)})\s*:\s*\"[^\"]*[\u4e00-\u9fff]")
    found = {path.name: copied.findall(path.read_text(encoding="utf-8")) for path in STATIC.glob("*.js")}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_the_javascript_unit_tests_answer_as_the_server_does() -> None:
    """tests/js/with-meta.mjs answers /v1/meta with tests/js/meta.json: regenerate it when the tables change
    (json.dumps(meta().model_dump(mode="json"), ensure_ascii=False, indent=1))."""
    fixture = json.loads((ROOT / "tests" / "js" / "meta.json").read_text(encoding="utf-8"))
    assert fixture == meta().model_dump(mode="json")
