"""Chat-log uploads and their mining jobs on a real database (SQLite, and PostgreSQL when configured):
stored masked or refused whole, mined in one transaction at the end, cancellable, deletable with all
they produced, and restart-safe (a job whose worker died is run again, never half-recorded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from copilot.config import Settings
from copilot.learn import candidates, jobs
from copilot.learn.chatlog import ChatLogRefused
from copilot.learn.matching import matcher_for
from copilot.learn.mine import mine
from copilot.store import Store
from copilot.store.models import LearnCandidate, LearnGap, LearnTurn, LearnUpload
from copilot.suggest.suggester import Suggester
from tests.conftest import make_settings
from tests.learn.conftest import BAD_ROLE_CSV, PHONE, chat_csv, store_for

LEASE = 5.0


@pytest.fixture
def store(database_url: str, phrasebank_dir: Path) -> Iterator[Store]:
    """SQLite and PostgreSQL: for what depends on the database's locking and cascades."""
    opened = store_for(database_url, phrasebank_dir)
    yield opened
    opened.dispose()


@pytest.fixture
def sqlite(tmp_path: Path, phrasebank_dir: Path) -> Iterator[Store]:
    """SQLite only: for the job's own logic, the same on either database (keeps the suite fast)."""
    opened = store_for(f"sqlite:///{tmp_path / 'jobs.db'}", phrasebank_dir)
    yield opened
    opened.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def upload(store: Store, settings: Settings, **kwargs: Any) -> dict[str, Any]:
    return jobs.create_upload(store, chat_csv(), "chats.csv", actor="lead", settings=settings, **kwargs)


def run(store: Store, upload_id: str, suggester: Suggester, worker: str = "w1", **kwargs: Any) -> dict[str, Any] | None:
    options: dict[str, Any] = {"keep_text": False, "auto_accept_agents": 0, "lease_seconds": LEASE} | kwargs
    return jobs.run_job(store, upload_id, suggester, matcher_for(suggester.index), worker=worker, **options)


def count(store: Store, model: Any, **where: Any) -> int:
    with store.read() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(session.scalar(query) or 0)


def turns_text(store: Store, upload_id: str) -> list[str]:
    with store.read() as session:
        return list(session.scalars(select(LearnTurn.text).where(LearnTurn.upload_id == upload_id)))


def test_an_upload_is_stored_masked_then_mined_into_candidates_and_gaps(
    store: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(store, settings)
    assert queued["status"] == "queued" and queued["created_by"] == "lead" and queued["filename"] == "chats.csv"
    assert (queued["messages"], queued["conversations"], queued["total"], queued["done"]) == (18, 9, 9, 0)
    stored = turns_text(store, queued["id"])
    assert len(stored) == 18 and not any(PHONE in text for text in stored)  # masked before it was stored

    seen: list[tuple[int, int]] = []
    done = run(store, queued["id"], tiny_suggester, on_progress=lambda d, t: seen.append((d, t)))
    assert done is not None and done["status"] == "done" and done["finished_at"]
    assert done["done"] == done["total"] == 9 and seen[-1] == (9, 9)
    assert done["candidates"] >= 3 and done["gaps"] >= 1 and done["error"] is None
    assert jobs.get_upload(store, queued["id"]) == done

    with store.read() as session:
        listed = candidates.list_candidates(session)
    assert [group["phrase"]["id"] for group in listed] == ["invoice-01"]
    messages = [c["message"] for c in listed[0]["candidates"]]
    assert not any(PHONE in message for message in messages)
    assert {"小王", "小李"} <= {agent for c in listed[0]["candidates"] for agent in c["agents"]}

    gaps = jobs.list_gaps(store)
    assert gaps[0]["count"] >= 4 and any("起球" in q for q in gaps[0]["questions"])
    assert [g["count"] for g in gaps] == sorted((g["count"] for g in gaps), reverse=True)
    assert all(len(g["questions"]) <= 5 and set(g) == {"id", "count", "questions", "reply"} for g in gaps)
    assert "起球" in gaps[0]["reply"]
    assert turns_text(store, queued["id"]) == []  # COPILOT_LEARN_KEEP_TEXT is off: the chat text is gone

    assert run(store, queued["id"], tiny_suggester) is None  # a finished job is never claimed again
    assert jobs.dismiss_gap(store, gaps[0]["id"]) == {"id": gaps[0]["id"], "dismissed": True}
    assert gaps[0]["id"] not in [g["id"] for g in jobs.list_gaps(store)]
    with pytest.raises(jobs.GapNotFound):
        jobs.dismiss_gap(store, 999_999)


def test_keep_text_keeps_the_masked_turns_after_mining(
    sqlite: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(sqlite, settings)
    assert run(sqlite, queued["id"], tiny_suggester, keep_text=True)["status"] == "done"  # type: ignore[index]
    kept = turns_text(sqlite, queued["id"])
    assert len(kept) == 18 and not any(PHONE in text for text in kept)
    with sqlite.read() as session:
        conversations = set(session.scalars(select(LearnTurn.conversation).where(LearnTurn.upload_id == queued["id"])))
    assert conversations == {f"c{n}" for n in range(1, 10)}  # the platform's ids (nicknames, phones) are not kept


def test_a_bad_file_is_refused_whole_with_its_row_and_reason(sqlite: Store, settings: Settings) -> None:
    with pytest.raises(ChatLogRefused) as refused:
        jobs.create_upload(sqlite, BAD_ROLE_CSV, "bad.csv", actor="lead", settings=settings)
    assert refused.value.code == "chatlog_invalid" and refused.value.status == 422
    assert refused.value.details["row"] == 3 and refused.value.details["reason"]
    assert "第 3 行" in refused.value.message
    assert count(sqlite, LearnUpload) == 0 and count(sqlite, LearnTurn) == 0


def test_a_queued_job_is_cancelled_at_once_and_never_runs(
    sqlite: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(sqlite, settings)
    cancelled = jobs.cancel_upload(sqlite, queued["id"])
    assert cancelled["status"] == "cancelled" and cancelled["finished_at"]
    assert run(sqlite, queued["id"], tiny_suggester) is None
    assert count(sqlite, LearnTurn) == 0 and count(sqlite, LearnCandidate) == 0 and count(sqlite, LearnGap) == 0
    assert jobs.cancel_upload(sqlite, queued["id"])["status"] == "cancelled"  # again: no change, no error
    with pytest.raises(jobs.UploadNotFound):
        jobs.cancel_upload(sqlite, "nope")


def test_a_job_cancelled_while_it_runs_records_nothing(
    sqlite: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(sqlite, settings)
    # The lead presses cancel while the job mines (here: at its first progress report).
    ended = run(sqlite, queued["id"], tiny_suggester, on_progress=lambda *_: jobs.cancel_upload(sqlite, queued["id"]))
    assert ended is not None and ended["status"] == "cancelled"
    assert count(sqlite, LearnCandidate) == 0 and count(sqlite, LearnGap) == 0 and count(sqlite, LearnTurn) == 0


def test_a_running_job_of_a_live_worker_is_only_flagged_and_that_worker_stops(
    sqlite: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(sqlite, settings)
    assert jobs.claim(sqlite, queued["id"], worker="busy", lease_seconds=LEASE)
    assert jobs.cancel_upload(sqlite, queued["id"])["status"] == "running"  # its worker stops at its next check
    ended = run(sqlite, queued["id"], tiny_suggester, worker="busy")
    assert ended is not None and ended["status"] == "cancelled" and count(sqlite, LearnCandidate) == 0


def test_a_killed_workers_job_is_run_again_once_its_lease_ran_out_and_never_half_recorded(
    store: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(store, settings)
    # A worker claims the job, reports some progress and is killed (nothing more happens on its side).
    assert jobs.claim(store, queued["id"], worker="killed", lease_seconds=LEASE)
    with store.begin() as session:
        session.execute(update(LearnUpload).where(LearnUpload.id == queued["id"]).values(done=4))
    # (what that worker would have recorded, had it only stalled: see the end)
    stalled = mine(
        jobs._load_turns(store, queued["id"]), tiny_suggester, matcher_for(tiny_suggester.index), source=queued["id"]
    )
    assert run(store, queued["id"], tiny_suggester, worker="alive") is None  # its lease still holds
    assert count(store, LearnCandidate) == 0 and count(store, LearnGap) == 0
    assert len(turns_text(store, queued["id"])) == 18
    assert jobs.get_upload(store, queued["id"])["status"] == "running"

    with store.begin() as session:  # the lease runs out (as it would LEASE seconds after the kill)
        session.execute(update(LearnUpload).where(LearnUpload.id == queued["id"]).values(lease_until=time.time() - 1))
    done = run(store, queued["id"], tiny_suggester, worker="alive")
    assert done is not None and done["status"] == "done" and done["done"] == done["total"]
    with store.read() as session:
        recorded = candidates.list_candidates(session)
    assert sum(group["count"] for group in recorded) == done["candidates"]  # recorded once, by the survivor

    # Had the first worker only stalled, its late results are refused: the claim is no longer its own.
    assert stalled.sightings
    assert jobs._finish(store, queued["id"], "killed", stalled, keep_text=False, auto_accept_agents=0) is None
    with store.read() as session:
        assert sum(group["count"] for group in candidates.list_candidates(session)) == done["candidates"]


def test_a_job_that_took_its_worker_down_three_times_ends_failed_and_is_not_claimed_again(
    sqlite: Store, settings: Settings
) -> None:
    queued = upload(sqlite, settings)
    for attempt in range(jobs.MAX_ATTEMPTS):  # each time the worker dies mid-job and its lease runs out
        assert jobs.claim(sqlite, queued["id"], worker=f"dies-{attempt}", lease_seconds=LEASE)
        assert jobs.fail_abandoned(sqlite, keep_text=False) == 0  # the lease still holds
        with sqlite.begin() as session:
            session.execute(
                update(LearnUpload).where(LearnUpload.id == queued["id"]).values(lease_until=time.time() - 1)
            )
    assert not jobs.claim(sqlite, queued["id"], worker="next", lease_seconds=LEASE)
    assert jobs.next_job(sqlite) is None
    assert jobs.fail_abandoned(sqlite, keep_text=False) == 1
    ended = jobs.get_upload(sqlite, queued["id"])
    assert ended["status"] == "failed" and "3 次" in ended["error"] and "分成几份" in ended["error"]
    assert turns_text(sqlite, queued["id"]) == []


def test_a_stopping_worker_hands_its_job_back_to_the_queue(
    sqlite: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(sqlite, settings)
    assert run(sqlite, queued["id"], tiny_suggester, worker="leaving", stop=lambda: True) is None
    back = jobs.get_upload(sqlite, queued["id"])
    assert back["status"] == "queued" and back["done"] == 0 and len(turns_text(sqlite, queued["id"])) == 18
    assert jobs.next_job(sqlite) == queued["id"]
    assert run(sqlite, queued["id"], tiny_suggester, worker="next")["status"] == "done"  # type: ignore[index]


class BrokenMatcher:
    """A fault inside mining (a bug of ours), injected through the matcher the job is given."""

    def match(self, reply: str) -> str | None:
        raise RuntimeError("boom")

    best = match


def test_a_fault_while_mining_fails_the_job_with_a_chinese_message_and_records_nothing(
    sqlite: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(sqlite, settings)
    ended = jobs.run_job(
        sqlite,
        queued["id"],
        tiny_suggester,
        BrokenMatcher(),
        worker="w1",  # type: ignore[arg-type]
        keep_text=False,
        auto_accept_agents=0,
        lease_seconds=LEASE,
    )
    assert ended is not None and ended["status"] == "failed" and "出错" in ended["error"]
    assert count(sqlite, LearnCandidate) == 0 and count(sqlite, LearnTurn) == 0


def test_deleting_an_upload_deletes_what_was_mined_from_it_and_nothing_else(
    store: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    first, second = upload(store, settings), upload(store, settings)
    for queued in (first, second):
        assert run(store, queued["id"], tiny_suggester)["status"] == "done"  # type: ignore[index]
    with store.read() as session:
        both = candidates.list_candidates(session)[0]["count"]
    assert len(jobs.list_uploads(store)) == 2

    # Its candidates are still seen in the other upload: they stay, with the other's counts.
    assert jobs.delete_upload(store, first["id"]) == {"deleted": first["id"], "candidates": 0}
    with store.read() as session:
        assert candidates.list_candidates(session)[0]["count"] == both // 2
    assert count(store, LearnGap, upload_id=first["id"]) == 0 and count(store, LearnGap) > 0

    removed = jobs.delete_upload(store, second["id"])
    assert removed["candidates"] >= 1
    assert count(store, LearnCandidate) == 0 and count(store, LearnGap) == 0 and count(store, LearnUpload) == 0
    assert jobs.list_gaps(store) == []
    with pytest.raises(jobs.UploadNotFound):
        jobs.get_upload(store, second["id"])
    with pytest.raises(jobs.UploadNotFound):
        jobs.delete_upload(store, second["id"])


def test_of_two_workers_racing_for_a_job_exactly_one_runs_it(
    store: Store, settings: Settings, tiny_suggester: Suggester
) -> None:
    queued = upload(store, settings)
    start = threading.Barrier(2)
    ended: dict[str, dict[str, Any] | None] = {}

    def worker(name: str) -> None:
        start.wait()
        ended[name] = run(store, queued["id"], tiny_suggester, worker=name)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = [result for result in ended.values() if result is not None]
    assert len(finished) == 1 and finished[0]["status"] == "done"
    with store.read() as session:
        assert sum(group["count"] for group in candidates.list_candidates(session)) == finished[0]["candidates"]
    with store.read() as session:
        assert session.scalar(select(LearnUpload.worker).where(LearnUpload.id == queued["id"])) in ("a", "b")


def test_the_lease_is_renewed_while_the_job_runs_without_progress_reports(sqlite: Store, settings: Settings) -> None:
    queued = upload(sqlite, settings)
    assert jobs.claim(sqlite, queued["id"], worker="slow", lease_seconds=0.3)
    with sqlite.read() as session:
        first = session.scalar(select(LearnUpload.lease_until).where(LearnUpload.id == queued["id"]))
    beat = jobs._Heartbeat(sqlite, queued["id"], "slow", 0.3, 60, 9, None, None)
    keeper = jobs._LeaseKeeper(beat)
    keeper.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the keeper beats every 0.1 s here
            with sqlite.read() as session:
                lease = session.scalar(select(LearnUpload.lease_until).where(LearnUpload.id == queued["id"]))
            if lease > first:
                break
            time.sleep(0.02)
        assert lease > first
    finally:
        keeper.stop()
