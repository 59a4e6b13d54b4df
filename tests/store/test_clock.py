"""Every timestamp the API answers is ISO 8601 with its UTC offset, also on SQLite (which stores datetimes
without their zone): phrase and rule history, the recycle bin, shop rules, tokens, users, learning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.learn import candidates
from copilot.learn.candidates import Sighting
from copilot.store import clock
from tests.api.test_learn_chatlogs import ended
from tests.conftest import TINY_PHRASEBANK, authorize, make_settings, make_token
from tests.learn.conftest import chat_csv


def offset_of(value: str) -> str | None:
    """The ISO 8601 moment's UTC offset as written, or None when it has none."""
    moment = datetime.fromisoformat(value)
    return None if moment.tzinfo is None else str(moment.utcoffset())


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app on a SQLite file, the database that forgets time zones."""
    folder = tmp_path_factory.mktemp("clock")
    (folder / "phrasebank").mkdir()
    (folder / "phrasebank" / "tiny.yaml").write_text(TINY_PHRASEBANK, encoding="utf-8")
    settings = make_settings(folder, phrasebank_dir=folder / "phrasebank")
    with TestClient(create_app(settings)) as client:
        authorize(client, "lead")
        yield client


def test_a_naive_datetime_from_sqlite_is_written_as_utc() -> None:
    assert clock.iso(datetime(2026, 5, 1, 8, 0)) == "2026-05-01T08:00:00+00:00"
    assert clock.iso(clock.aware(datetime(2026, 5, 1, 8, 0))) == "2026-05-01T08:00:00+00:00"
    assert clock.iso(None) is None


def test_phrase_history_and_the_recycle_bin_answer_offsets(api: TestClient) -> None:
    ship = api.get("/v1/phrases/ship-01").json()
    api.put("/v1/phrases/ship-01", json={"version": ship["version"], "title": "发货时间（改）"}).raise_for_status()
    assert api.delete("/v1/phrases/ship-01").status_code == 204
    history = api.get("/v1/phrases/ship-01/history").json()
    assert {offset_of(h["changed_at"]) for h in history} == {"0:00:00"}
    assert {offset_of(p["deleted_at"]) for p in api.get("/v1/trash/phrases").json()} == {"0:00:00"}


def test_shop_rules_and_their_history_answer_offsets(api: TestClient) -> None:
    rule = api.post("/v1/rules", json={"kind": "forbid", "term": "错过等一年"}).json()
    fetched = api.get(f"/v1/rules/{rule['id']}").json()
    assert offset_of(fetched["created_at"]) == offset_of(fetched["updated_at"]) == "0:00:00"
    history = api.get(f"/v1/rules/{rule['id']}/history").json()
    assert {offset_of(h["changed_at"]) for h in history} == {"0:00:00"}


def test_tokens_and_users_answer_offsets(api: TestClient) -> None:
    admin = {"Authorization": f"Bearer {make_token(api.app.state.services.store, 'clock-admin', 'admin')}"}  # type: ignore[attr-defined]
    api.get("/v1/tokens", headers=admin).raise_for_status()  # marks the token used
    token = api.get("/v1/tokens", headers=admin).json()[0]
    assert offset_of(token["created_at"]) == offset_of(token["last_used_at"]) == "0:00:00"
    assert {offset_of(u["created_at"]) for u in api.get("/v1/users", headers=admin).json()} == {"0:00:00"}


def test_learning_uploads_and_candidates_answer_offsets(api: TestClient) -> None:
    sent = api.post("/v1/learn/chatlogs", files={"file": ("聊天记录.csv", chat_csv(), "text/csv")}).json()
    upload = ended(api, sent["id"])
    assert offset_of(upload["created_at"]) == offset_of(upload["finished_at"]) == "0:00:00"
    assert offset_of(api.get("/v1/learn/chatlogs").json()[0]["created_at"]) == "0:00:00"
    with api.app.state.services.store.begin() as session:  # type: ignore[attr-defined]
        candidates.record(session, [Sighting("invoice-01", "收据能给一张吗", "小王")])
    pending = api.get("/v1/learn/candidates").json()
    cid = next(c["id"] for g in pending for c in g["candidates"] if c["message"] == "收据能给一张吗")
    assert offset_of(api.post(f"/v1/learn/candidates/{cid}/reject").json()["decided_at"]) == "0:00:00"
    rejected = api.get("/v1/learn/candidates", params={"status": "rejected"}).json()
    assert {offset_of(c["decided_at"]) for g in rejected for c in g["candidates"]} == {"0:00:00"}
