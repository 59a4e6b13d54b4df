"""Chat-log uploads and their mining jobs.

An upload is read and masked whole before anything is stored, then stored in one transaction with its
turns, queued. Any worker (a service's JobRunner, or `kefu-copilot learn import`) claims a queued job,
or a running one whose lease ran out, with one conditional UPDATE: exactly one claimant wins. While it
mines, it writes its progress and renews its lease in short transactions of their own; everything the
job produces (candidates, gaps, the final counts) is written in ONE transaction at its end, guarded by
the claim. So a worker killed mid-job leaves nothing half-imported: its lease runs out and another
worker runs the job again from the start.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, cast

from sqlalchemy import Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from copilot.config import Settings
from copilot.errors import NotFound
from copilot.learn import candidates
from copilot.learn.chatlog import read_chatlog
from copilot.learn.mask import mask
from copilot.learn.matching import ReplyMatcher
from copilot.learn.mine import MineResult, MiningCancelled, mine
from copilot.learn.turns import ChatTurn
from copilot.store import Store
from copilot.store.base import Base
from copilot.store.clock import iso
from copilot.store.db import rowcount
from copilot.store.health import is_unavailable
from copilot.store.models import LearnGap, LearnTurn, LearnUpload

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0  # how long a claim holds without a heartbeat (COPILOT_LEARN_LEASE_SECONDS)
CHECK_SECONDS = 0.5  # a running job writes its progress and reads its cancel flag at most this often
TURN_CHUNK = 2000  # turns per INSERT
FILENAME_MAX = 200
GAP_QUESTIONS = 5
UPLOADS_LISTED = 1000
# A job whose worker died this many times (a file that runs a worker out of memory…) is not tried again: it
# ends failed instead of taking every worker down in turn.
MAX_ATTEMPTS = 3


class UploadNotFound(NotFound):
    code = "upload_not_found"
    template = "没有编号为 {key} 的聊天记录上传"


class GapNotFound(NotFound):
    code = "gap_not_found"
    template = "没有编号为 {key} 的缺口"


def worker_name() -> str:
    """This process's name on the jobs it claims: host, pid and a random part (unique even when two
    hosts share a name, or a pid is reused after a restart); fits the 32-character column."""
    return f"{socket.gethostname()[:12]}-{os.getpid()}-{secrets.token_hex(4)}"[-32:]


def describe(row: LearnUpload) -> dict[str, Any]:
    """The upload as the API answers it."""
    return {
        "id": row.id,
        "filename": row.filename,
        "status": row.status,
        "total": row.total,
        "done": row.done,
        "messages": row.messages,
        "conversations": row.conversations,
        "candidates": row.candidates,
        "gaps": row.gaps,
        "error": row.error,
        "created_at": iso(row.created_at),
        "created_by": row.created_by,
        "finished_at": iso(row.finished_at),
    }


# ---------------------------------------------------------------------------------------------- upload


def _turn_rows(upload_id: str, turns: list[ChatTurn]) -> list[dict[str, Any]]:
    # The platform's conversation ids are not kept: they may be a buyer's nickname or phone number, and mining
    # needs only to tell conversations apart, so each is stored as its number in this upload.
    conversations: dict[str, str] = {}
    rows = []
    for turn in turns:
        conversation = conversations.setdefault(turn.conversation, f"c{len(conversations) + 1}")
        rows.append(
            {
                "upload_id": upload_id,
                "conversation": conversation,
                "at": float(turn.at),
                "role": turn.role,
                "agent": turn.agent,
                "text": mask(turn.text),
            }
        )
    return rows


def create_upload(
    store: Store, data: bytes, filename: str, *, actor: str | None, settings: Settings, worker: str | None = None
) -> dict[str, Any]:
    """Read the file (a bad one is refused whole: ChatLogRefused, nothing stored), mask every message,
    and store the upload with its turns in one transaction, queued for a worker. With `worker` the job
    is claimed for that worker at once (the CLI runs it itself; no service worker may take it first).

    Blocking work (parsing, masking, a large insert): call it in a thread."""
    chat = read_chatlog(data, filename, max_text_chars=settings.max_text_chars)
    upload_id = secrets.token_hex(8)
    rows = _turn_rows(upload_id, chat.turns)
    total = sum(1 for row in rows if row["role"] == "customer")
    name = PurePath((filename or "").replace("\\", "/")).name[:FILENAME_MAX] or "chatlog"
    with store.begin() as session:
        upload = LearnUpload(
            id=upload_id,
            filename=name,
            status="queued" if worker is None else "running",
            total=total,
            done=0,
            messages=chat.messages,
            conversations=chat.conversations,
            candidates=0,
            gaps=0,
            created_at=datetime.now(UTC),
            created_by=actor,
            cancel=False,
            worker=worker,
            lease_until=None if worker is None else time.time() + settings.learn_lease_seconds,
        )
        session.add(upload)
        session.flush()  # the turns' foreign key needs the upload row first
        # Core's executemany, not the ORM's bulk insert: that one groups rows by which values are None
        # (a customer turn has no agent) and so ran one INSERT per turn.
        for start in range(0, len(rows), TURN_CHUNK):
            session.execute(insert(_table(LearnTurn)), rows[start : start + TURN_CHUNK])
        return describe(upload)


# --------------------------------------------------------------------------------------------- claiming


def _table(model: type[Base]) -> Table:
    """A model's Table, for Core statements (the declarative base types __table__ as any FromClause)."""
    return cast(Table, model.__table__)


def _claimable(now: float, worker: str | None = None) -> Any:
    """Queued, or running under a lease that ran out (its worker died), or already this worker's."""
    running = and_(
        LearnUpload.status == "running",
        LearnUpload.attempts < MAX_ATTEMPTS,
        or_(LearnUpload.lease_until.is_(None), LearnUpload.lease_until < now),
    )
    if worker is not None:
        running = or_(running, and_(LearnUpload.status == "running", LearnUpload.worker == worker))
    return or_(LearnUpload.status == "queued", running)


def next_job(store: Store) -> str | None:
    """The oldest job some worker could claim now, if any (a hint: claiming it may still lose)."""
    with store.read() as session:
        return session.scalar(
            select(LearnUpload.id)
            .where(_claimable(time.time()))
            .order_by(LearnUpload.created_at, LearnUpload.id)
            .limit(1)
        )


def claim(store: Store, upload_id: str, *, worker: str, lease_seconds: float) -> bool:
    """Take the job for `worker` with one conditional UPDATE: of workers racing for it, exactly one
    sees its row updated. A re-claimed job starts over (its progress is reset)."""
    now = time.time()
    with store.begin() as session:
        claimed = session.execute(
            update(LearnUpload)
            .where(LearnUpload.id == upload_id, _claimable(now, worker))
            .values(
                status="running",
                worker=worker,
                lease_until=now + lease_seconds,
                done=0,
                error=None,
                attempts=LearnUpload.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return rowcount(claimed) == 1


def _abandoned(now: float) -> Any:
    """Running under a lease that ran out, after MAX_ATTEMPTS claims: no worker may take it again."""
    return and_(
        LearnUpload.status == "running",
        LearnUpload.attempts >= MAX_ATTEMPTS,
        or_(LearnUpload.lease_until.is_(None), LearnUpload.lease_until < now),
    )


def fail_abandoned(store: Store, *, keep_text: bool) -> int:
    """End the jobs whose workers died MAX_ATTEMPTS times as failed, with a Chinese reason (their turns go
    unless COPILOT_LEARN_KEEP_TEXT); returns how many. A read first: nothing is written while none is."""
    now = time.time()
    with store.read() as session:
        if session.scalar(select(LearnUpload.id).where(_abandoned(now)).limit(1)) is None:
            return 0
    with store.begin() as session:
        rows = session.scalars(select(LearnUpload).where(_abandoned(now)).with_for_update()).all()
        for row in rows:
            row.error = (
                f"挖掘这个文件时处理进程已中断 {row.attempts} 次（可能文件过大、内存不足），不再重试；"
                "请把文件分成几份再上传"
            )
            _end(row, "failed")
            if not keep_text:
                _drop_turns(session, row.id)
        return len(rows)


def _owned(session: Session, upload_id: str, worker: str) -> LearnUpload | None:
    """The upload, locked, if it is still running under this worker's claim."""
    row = session.get(LearnUpload, upload_id, with_for_update=True, populate_existing=True)
    if row is None or row.status != "running" or row.worker != worker:
        return None
    return row


def _drop_turns(session: Session, upload_id: str) -> None:
    session.execute(delete(LearnTurn).where(LearnTurn.upload_id == upload_id))


def _end(row: LearnUpload, status: str) -> None:
    row.status, row.finished_at, row.lease_until = status, datetime.now(UTC), None


# ------------------------------------------------------------------------------------------- the job


class _Heartbeat:
    """Mining's progress and cancel callbacks: at most every `check_seconds` one short transaction that
    writes `done`, renews the lease and reads the cancel flag (so a long job costs the database ~2
    writes a second, whatever mine() calls them at)."""

    def __init__(
        self,
        store: Store,
        upload_id: str,
        worker: str,
        lease_seconds: float,
        check_seconds: float,
        total: int,
        stop: Callable[[], bool] | None,
        on_progress: Callable[[int, int], None] | None,
    ) -> None:
        self.store, self.upload_id, self.worker = store, upload_id, worker
        self.lease_seconds, self.check_seconds, self.total = lease_seconds, check_seconds, total
        self.stop, self.on_progress = stop, on_progress
        self.done = 0
        self.cancel = False  # a lead asked to cancel
        self.lost = False  # the claim is gone: the upload was deleted, or another worker re-claimed it
        self._last = time.monotonic()

    def progress(self, done: int, *_: object) -> None:
        self.done = done
        if self.on_progress is not None:
            self.on_progress(done, self.total)
        self._maybe_beat()

    def cancelled(self) -> bool:
        if self.stop is not None and self.stop():
            return True
        self._maybe_beat()
        return self.cancel or self.lost

    def _maybe_beat(self) -> None:
        if time.monotonic() - self._last >= self.check_seconds:
            self.beat()

    def beat(self) -> None:
        self._last = time.monotonic()
        try:
            with self.store.begin() as session:
                renewed = session.execute(
                    update(LearnUpload)
                    .where(
                        LearnUpload.id == self.upload_id,
                        LearnUpload.worker == self.worker,
                        LearnUpload.status == "running",
                    )
                    .values(done=min(self.done, self.total), lease_until=time.time() + self.lease_seconds)
                    .execution_options(synchronize_session=False)
                )
                if rowcount(renewed) != 1:
                    self.lost = True
                    return
                self.cancel = bool(session.scalar(select(LearnUpload.cancel).where(LearnUpload.id == self.upload_id)))
        except Exception as exc:
            # A database hiccup skips one beat; mining goes on (the lease has room for several misses).
            if not is_unavailable(exc):
                raise
            log.warning("learn job %s: progress not written (%s)", self.upload_id, exc)


class _LeaseKeeper(threading.Thread):
    """Renews the lease every third of it while the job runs, whether or not mine() reports (a long phase
    without progress, like clustering the gaps, must not let another worker take the job over). It dies
    with the process, so a killed worker's lease still runs out."""

    def __init__(self, beat: _Heartbeat) -> None:
        super().__init__(name=f"learn-lease-{beat.upload_id}", daemon=True)
        self.beat = beat
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.beat.lease_seconds / 3):
            try:
                self.beat.beat()
            except Exception:  # logged; the job's own checks meet the same fault and end the job
                log.exception("learn job %s: lease not renewed", self.beat.upload_id)

    def stop(self) -> None:
        self.done.set()
        if self.is_alive():
            self.join()


def _load_turns(store: Store, upload_id: str) -> list[ChatTurn]:
    with store.read() as session:
        rows = session.execute(
            select(LearnTurn.conversation, LearnTurn.at, LearnTurn.role, LearnTurn.text, LearnTurn.agent)
            .where(LearnTurn.upload_id == upload_id)
            .order_by(LearnTurn.id)
        )
        return [ChatTurn(conversation, at, role, text, agent) for conversation, at, role, text, agent in rows]


def run_job(
    store: Store,
    upload_id: str,
    suggester: Any,
    matcher: ReplyMatcher,
    *,
    worker: str,
    keep_text: bool,
    auto_accept_agents: int,
    lease_seconds: float = LEASE_SECONDS,
    check_seconds: float = CHECK_SECONDS,
    stop: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any] | None:
    """Claim the job and run it to its end: done, cancelled or failed; returns the upload as it ended, or
    None when another worker has it (or took it over, or it was deleted meanwhile). `stop` (a shutting
    worker) puts the job back in the queue for the next worker. Blocking: call it in a thread."""
    if not claim(store, upload_id, worker=worker, lease_seconds=lease_seconds):
        return None
    with store.read() as session:
        total = session.scalar(select(LearnUpload.total).where(LearnUpload.id == upload_id)) or 0
    beat = _Heartbeat(store, upload_id, worker, lease_seconds, check_seconds, total, stop, on_progress)
    keeper = _LeaseKeeper(beat)
    keeper.start()
    try:
        beat.beat()  # a job cancelled before its (re-)claim stops here, before loading anything
        if beat.cancel or beat.lost or (stop is not None and stop()):
            raise MiningCancelled
        turns = _load_turns(store, upload_id)
        result = mine(turns, suggester, matcher, source=upload_id, progress=beat.progress, cancelled=beat.cancelled)
        del turns
        keeper.stop()  # the final transaction holds the row (and SQLite's write lock) itself
        if on_progress is not None:
            on_progress(total, total)  # mined: what is left is the one transaction that records it
        return _finish(store, upload_id, worker, result, keep_text=keep_text, auto_accept_agents=auto_accept_agents)
    except MiningCancelled:
        if beat.lost:
            return None
        if not beat.cancel and stop is not None and stop():
            _release(store, upload_id, worker)
            return None
        return give_up(store, upload_id, worker)
    except Exception as exc:
        if is_unavailable(exc):
            # The database, not the job: leave the claim to run out, and a worker runs the job again.
            log.warning("learn job %s: database unavailable, the job will be run again (%s)", upload_id, exc)
            return None
        log.exception("learn job %s failed", upload_id)
        return _failed(store, upload_id, worker, exc, keep_text=keep_text)
    finally:
        keeper.stop()


def _finish(
    store: Store, upload_id: str, worker: str, result: MineResult, *, keep_text: bool, auto_accept_agents: int
) -> dict[str, Any] | None:
    """Everything the job found, and its end, in one transaction, only while the claim is still ours."""
    with store.begin() as session:
        row = _owned(session, upload_id, worker)
        if row is None:
            return None
        if row.cancel:
            return _cancel_now(session, row)
        counted = candidates.record(session, result.sightings, auto_accept_agents=auto_accept_agents)
        gaps = [
            {
                "upload_id": upload_id,
                "key": gap.key[:64],
                "count": gap.count,
                "questions": list(gap.questions)[:GAP_QUESTIONS],
                "reply": gap.reply,
                "dismissed": False,
            }
            for gap in result.gaps
        ]
        for start in range(0, len(gaps), TURN_CHUNK):
            session.execute(insert(_table(LearnGap)), gaps[start : start + TURN_CHUNK])
        row.done, row.candidates, row.gaps = row.total, counted, len(gaps)
        _end(row, "done")
        if not keep_text:
            _drop_turns(session, upload_id)
        return describe(row)


def _cancel_now(session: Session, row: LearnUpload) -> dict[str, Any]:
    row.cancel = True
    _end(row, "cancelled")
    _drop_turns(session, row.id)
    return describe(row)


def give_up(store: Store, upload_id: str, worker: str) -> dict[str, Any] | None:
    """End this worker's job as cancelled (the CLI, interrupted with Ctrl-C): nothing it found is kept."""
    with store.begin() as session:
        row = _owned(session, upload_id, worker)
        return _cancel_now(session, row) if row is not None else None


def _release(store: Store, upload_id: str, worker: str) -> None:
    """Back to the queue (this worker is shutting down): the next worker starts it at once, no lease to wait out."""
    with store.begin() as session:
        row = _owned(session, upload_id, worker)
        if row is not None:
            row.status, row.worker, row.lease_until, row.done = "queued", None, None, 0


def _failed(store: Store, upload_id: str, worker: str, exc: Exception, *, keep_text: bool) -> dict[str, Any] | None:
    """A fault of ours (not the file's: a bad file is refused at upload): the job ends "failed" with a
    Chinese message. Its turns go too unless COPILOT_LEARN_KEEP_TEXT is on (privacy first; there is no
    retry of a failed job — the lead uploads the file again once the fault is mended)."""
    with store.begin() as session:
        row = _owned(session, upload_id, worker)
        if row is None:
            return None
        row.error = f"挖掘时程序出错（{type(exc).__name__}），未导入任何结果；请稍后重新上传，如仍出错请联系管理员"
        _end(row, "failed")
        if not keep_text:
            _drop_turns(session, upload_id)
        return describe(row)


# ------------------------------------------------------------------------------------- what leads do


def _upload(session: Session, upload_id: str) -> LearnUpload:
    row = session.get(LearnUpload, upload_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise UploadNotFound(upload_id)
    return row


def get_upload(store: Store, upload_id: str) -> dict[str, Any]:
    with store.read() as session:
        row = session.get(LearnUpload, upload_id)
        if row is None:
            raise UploadNotFound(upload_id)
        return describe(row)


def list_uploads(store: Store, limit: int = UPLOADS_LISTED) -> list[dict[str, Any]]:
    """Uploads, newest first."""
    with store.read() as session:
        rows = session.scalars(
            select(LearnUpload).order_by(LearnUpload.created_at.desc(), LearnUpload.id.desc()).limit(limit)
        )
        return [describe(row) for row in rows]


def cancel_upload(store: Store, upload_id: str) -> dict[str, Any]:
    """Ask the job to stop. A queued job (or one whose worker died) is cancelled at once; a running one
    stops at its next check, within about CHECK_SECONDS, and nothing it found is recorded. A job that
    already ended is left as it is."""
    with store.begin() as session:
        row = _upload(session, upload_id)
        if row.status == "queued" or (row.status == "running" and (row.lease_until or 0) < time.time()):
            return _cancel_now(session, row)
        if row.status == "running":
            row.cancel = True
        return describe(row)


def delete_upload(store: Store, upload_id: str) -> dict[str, Any]:
    """The upload, its turns and gaps, and every pending candidate only it supported, in one transaction
    (a job still running on it finds its claim gone and stops)."""
    with store.begin() as session:
        _upload(session, upload_id)  # locked first: a job finishing on it commits before or not at all
        removed = candidates.forget_source(session, upload_id)
        session.execute(delete(LearnUpload).where(LearnUpload.id == upload_id))  # turns and gaps cascade
    return {"deleted": upload_id, "candidates": removed}


def list_gaps(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """Questions no phrase answers, biggest cluster first, not dismissed: [{id, count, questions, reply}].
    Clusters of the same question from several uploads are one (counts added); its id, sample questions
    and reply are those of its biggest cluster."""
    total = func.sum(LearnGap.count)
    with store.read() as session:
        top = session.execute(
            select(LearnGap.key, total)
            .where(LearnGap.dismissed.is_(False))
            .group_by(LearnGap.key)
            .order_by(total.desc(), LearnGap.key)
            .limit(limit)
        ).all()
        counts = {key: int(n) for key, n in top}
        rows = (
            session.scalars(
                select(LearnGap)
                .where(LearnGap.key.in_(list(counts)), LearnGap.dismissed.is_(False))
                .order_by(LearnGap.count.desc(), LearnGap.id)
            ).all()
            if counts
            else []
        )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        gap = found.setdefault(row.key, {"id": row.id, "count": counts[row.key], "questions": [], "reply": row.reply})
        for question in row.questions:
            if question not in gap["questions"] and len(gap["questions"]) < GAP_QUESTIONS:
                gap["questions"].append(question)
    return [found[key] for key, _ in top if key in found]


def upload_gaps(store: Store, upload_id: str, limit: int = 5) -> list[dict[str, Any]]:
    """One upload's biggest gaps (the CLI's summary)."""
    with store.read() as session:
        rows = session.scalars(
            select(LearnGap)
            .where(LearnGap.upload_id == upload_id)
            .order_by(LearnGap.count.desc(), LearnGap.id)
            .limit(limit)
        )
        return [
            {"id": row.id, "count": row.count, "questions": list(row.questions), "reply": row.reply} for row in rows
        ]


def dismiss_gap(store: Store, gap_id: int) -> dict[str, Any]:
    """Take the gap off the list (a lead made a phrase of it, or waved it off), with its same-question
    clusters from other uploads."""
    with store.begin() as session:
        row = session.get(LearnGap, gap_id)
        if row is None:
            raise GapNotFound(gap_id)
        session.execute(
            update(LearnGap)
            .where(LearnGap.key == row.key)
            .values(dismissed=True)
            .execution_options(synchronize_session=False)
        )
    return {"id": gap_id, "dismissed": True}
