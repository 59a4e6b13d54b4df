"""/v1/learn/chatlogs and /v1/learn/gaps through the app: an upload is mined by the worker's own job
runner in the background, a bad file is refused whole, a big one before it is read, and a lead can
follow, cancel and delete a job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from copilot.api.app import create_app
from copilot.learn import jobs
from copilot.learn.matching import matcher_for
from tests.conftest import TINY_PHRASEBANK, authorize, make_settings
from tests.learn.conftest import BAD_ROLE_CSV, chat_csv

LIMIT = 64 * 1024  # COPILOT_LEARN_MAX_UPLOAD_BYTES here


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module (SQLite; the job logic runs on PostgreSQL in tests/learn/test_jobs.py)."""
    folder = tmp_path_factory.mktemp("learn-api")
    (folder / "phrasebank").mkdir()
    (folder / "phrasebank" / "tiny.yaml").write_text(TINY_PHRASEBANK, encoding="utf-8")
    settings = make_settings(folder, phrasebank_dir=folder / "phrasebank", learn_max_upload_bytes=LIMIT)
    with TestClient(create_app(settings)) as client:
        authorize(client, "lead")
        yield client


def send(api: TestClient, data: bytes, filename: str = "聊天记录.csv") -> Any:
    return api.post("/v1/learn/chatlogs", files={"file": (filename, data, "text/csv")})


def ended(api: TestClient, upload_id: str) -> dict[str, Any]:
    """The upload once its job ended (the worker's runner picks it up at once; bounded wait)."""
    deadline = time.monotonic() + 30
    while True:
        upload = api.get(f"/v1/learn/chatlogs/{upload_id}").json()
        if upload["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return upload
        time.sleep(0.02)


def test_an_upload_is_mined_in_the_background_then_listed_with_its_gaps_and_deleted_with_them(api: TestClient) -> None:
    sent = send(api, chat_csv())
    assert sent.status_code == 202, sent.text
    upload = sent.json()
    assert sent.headers["Location"] == f"/v1/learn/chatlogs/{upload['id']}"
    assert upload["filename"] == "聊天记录.csv" and upload["created_by"] == "test-lead"
    assert upload["status"] in ("queued", "running") and upload["total"] == 9
    done = ended(api, upload["id"])
    assert done["status"] == "done" and done["done"] == 9 and done["candidates"] >= 3 and done["gaps"] >= 1

    later = ended(api, send(api, chat_csv(), "later.csv").json()["id"])
    assert [u["id"] for u in api.get("/v1/learn/chatlogs").json()[:2]] == [later["id"], upload["id"]]  # newest first

    gaps = api.get("/v1/learn/gaps").json()
    assert gaps and gaps[0]["count"] >= 8 and any("起球" in q for q in gaps[0]["questions"])  # both uploads' clusters
    assert [g["count"] for g in gaps] == sorted((g["count"] for g in gaps), reverse=True)
    assert api.get("/v1/learn/gaps", params={"limit": 1}).json() == gaps[:1]

    assert api.delete(f"/v1/learn/chatlogs/{later['id']}").json() == {"deleted": later["id"], "candidates": 0}
    assert api.get("/v1/learn/gaps").json()[0]["count"] == gaps[0]["count"] // 2
    removed = api.delete(f"/v1/learn/chatlogs/{upload['id']}")
    assert removed.status_code == 200 and removed.json()["candidates"] >= 1
    missing = api.get(f"/v1/learn/chatlogs/{upload['id']}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "upload_not_found"
    assert api.get("/v1/learn/gaps").json() == []


def test_a_gap_is_dismissed_by_its_id(api: TestClient) -> None:
    upload = ended(api, send(api, chat_csv()).json()["id"])
    biggest = api.get("/v1/learn/gaps").json()[0]
    assert api.post(f"/v1/learn/gaps/{biggest['id']}/dismiss").json() == {"id": biggest["id"], "dismissed": True}
    assert biggest["id"] not in [g["id"] for g in api.get("/v1/learn/gaps").json()]
    unknown = api.post("/v1/learn/gaps/999999/dismiss")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "gap_not_found"
    api.delete(f"/v1/learn/chatlogs/{upload['id']}")


def test_a_bad_file_is_refused_whole_with_its_row_and_reason(api: TestClient) -> None:
    before = api.get("/v1/learn/chatlogs").json()
    refused = send(api, BAD_ROLE_CSV)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "chatlog_invalid" and "第 3 行" in error["message"]
    assert error["details"]["row"] == 3 and error["details"]["reason"]
    assert api.get("/v1/learn/chatlogs").json() == before  # nothing stored


def test_a_file_over_the_upload_limit_is_refused_413(api: TestClient) -> None:
    for size in (LIMIT + 1, 3 * LIMIT):  # past the file limit; past the body limit (refused before it is read)
        refused = send(api, b"x" * size)
        assert refused.status_code == 413 and refused.json()["error"]["code"] == "body_too_large", size


def test_cancel_flags_a_running_job_and_its_worker_ends_it_cancelled(api: TestClient) -> None:
    store, settings = api.app.state.services.store, api.app.state.services.settings  # type: ignore[attr-defined]
    # A job some other live worker holds (its lease is fresh, so this app's runner leaves it alone).
    upload = jobs.create_upload(store, chat_csv(), "elsewhere.csv", actor="lead", settings=settings, worker="other")
    flagged = api.post(f"/v1/learn/chatlogs/{upload['id']}/cancel")
    assert flagged.status_code == 200 and flagged.json()["status"] == "running"
    suggester = api.app.state.services.live.suggester  # type: ignore[attr-defined]
    jobs.run_job(
        store,
        upload["id"],
        suggester,
        matcher_for(suggester.index),
        worker="other",
        keep_text=False,
        auto_accept_agents=0,
        lease_seconds=5,
    )
    assert api.get(f"/v1/learn/chatlogs/{upload['id']}").json()["status"] == "cancelled"
    unknown = api.post("/v1/learn/chatlogs/nope/cancel")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "upload_not_found"
