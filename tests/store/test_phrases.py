"""Data access: create, read, update, delete, with history rows and the version counter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from copilot.store import Store, phrasebank_version
from copilot.store.errors import IdTaken, Invalid, PhraseNotFound, ShortcutTaken, VersionConflict
from copilot.store.models import PhraseHistory
from copilot.store.phrases import (
    count_phrases,
    create_phrase,
    delete_phrase,
    get_phrase,
    list_phrases,
    phrase_history,
    update_phrase,
)
from copilot.store.schemas import PhraseCreate, PhraseUpdate

NEW = {
    "title": "有赠品",
    "body": "亲,下单即送精美小礼品一份~",
    "intent": "promotion",
    "group": "售前",
    "shortcut": "ZP1",
    "keywords": ["赠品", "送什么"],
    "examples": ["有赠品吗"],
}


def test_create_then_get_returns_the_phrase_with_a_generated_id(store: Store) -> None:
    with store.begin() as session:
        created = create_phrase(session, data=PhraseCreate(**NEW))
    assert created.id.startswith("p-") and len(created.id) == 10
    assert created.version == 1 and created.shortcut == "zp1"  # shortcuts are case-insensitive, kept lower-case
    with store.begin() as session:
        assert get_phrase(session, phrase_id=created.id) == created


def test_unknown_id_is_not_found(store: Store) -> None:
    with store.begin() as session, pytest.raises(PhraseNotFound):
        get_phrase(session, phrase_id="nope")


def test_taken_id_and_shortcut_conflict(store: Store) -> None:
    with store.begin() as session, pytest.raises(IdTaken):
        create_phrase(session, data=PhraseCreate(**NEW, id="invoice-01"))
    with store.begin() as session, pytest.raises(ShortcutTaken) as caught:
        create_phrase(session, data=PhraseCreate(**(NEW | {"shortcut": "FP1"})))
    assert caught.value.details == {"field": "shortcut", "phrase_id": "invoice-01"}


def test_update_bumps_versions_and_records_history(store: Store) -> None:
    with store.begin() as session:
        before = phrasebank_version(session)
        updated = update_phrase(session, phrase_id="invoice-01", data=PhraseUpdate(version=1, title="开票说明"))
    assert updated.version == 2 and updated.title == "开票说明" and updated.shortcut == "fp1"
    with store.begin() as session:
        assert phrasebank_version(session) == before + 1
        history = phrase_history(session, phrase_id="invoice-01")
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[1]["before"]["title"] == "可以开发票" and history[1]["after"]["title"] == "开票说明"
    assert history[1]["version"] == 2 and history[1]["changed_by"] is None and history[1]["changed_at"]


def test_update_with_a_stale_version_conflicts_with_the_current_phrase(store: Store) -> None:
    with store.begin() as session:
        update_phrase(session, phrase_id="ship-01", data=PhraseUpdate(version=1, enabled=False))
    with store.begin() as session, pytest.raises(VersionConflict) as caught:
        update_phrase(session, phrase_id="ship-01", data=PhraseUpdate(version=1, title="新标题"))
    current = caught.value.details["current"]
    assert current["version"] == 2 and current["enabled"] is False and current["title"] == "发货时间"


def test_an_update_that_changes_nothing_keeps_the_version(store: Store) -> None:
    with store.begin() as session:
        same = update_phrase(session, phrase_id="ship-01", data=PhraseUpdate(version=1, title="发货时间"))
        assert same.version == 1 and phrasebank_version(session) == 1


def test_update_refuses_a_null_required_field_and_a_taken_shortcut(store: Store) -> None:
    with store.begin() as session, pytest.raises(Invalid) as invalid:
        update_phrase(session, phrase_id="ship-01", data=PhraseUpdate.model_validate({"version": 1, "title": None}))
    assert invalid.value.details[0]["field"] == "title" and invalid.value.code == "invalid_phrase"
    with store.begin() as session, pytest.raises(ShortcutTaken):
        update_phrase(session, phrase_id="ship-01", data=PhraseUpdate(version=1, shortcut="fp1"))


def test_delete_keeps_the_history_and_counts_as_a_change(store: Store) -> None:
    with store.begin() as session, pytest.raises(VersionConflict):
        delete_phrase(session, phrase_id="refund-01", version=7)
    with store.begin() as session:
        delete_phrase(session, phrase_id="refund-01", version=1)
    with store.begin() as session:
        assert phrasebank_version(session) == 2
        assert [p.id for p in list_phrases(session)] == ["invoice-01", "ship-01"]
        actions = session.scalars(select(PhraseHistory.action).where(PhraseHistory.phrase_id == "refund-01")).all()
        assert actions == ["create", "delete"]


def test_list_filters_by_text_intent_and_group_and_pages(store: Store) -> None:
    with store.begin() as session:
        assert [p.id for p in list_phrases(session, q="开票")] == ["invoice-01"]  # a keyword
        assert [p.id for p in list_phrases(session, q="FH1")] == ["ship-01"]  # a shortcut, any case
        assert [p.id for p in list_phrases(session, q="到账")] == ["refund-01"]  # an example question
        assert [p.id for p in list_phrases(session, q="100%")] == []  # LIKE wildcards are literal
        assert [p.id for p in list_phrases(session, intent="ship_time")] == ["ship-01"]
        assert [p.id for p in list_phrases(session, group="售后")] == ["refund-01"]
        assert [p.id for p in list_phrases(session, limit=2, offset=1)] == ["refund-01", "ship-01"]
        assert count_phrases(session, q="亲") == 3


def test_html_in_a_body_is_stored_verbatim(store: Store) -> None:
    body = '<script>alert("x")</script><b>亲</b> &amp; {agent_no}'
    with store.begin() as session:
        created = create_phrase(session, data=PhraseCreate(**(NEW | {"body": body})))
    with store.begin() as session:
        assert get_phrase(session, phrase_id=created.id).body == body
