"""/v1/learn/chatlogs and /v1/learn/gaps: a lead uploads past chats, follows the mining job, cancels or
deletes it (with everything mined from it), and reads the questions no phrase answers. Leads and admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from copilot.api.auth_deps import Lead
from copilot.api.deps import LearnJobsDep, SettingsDep, StoreDep
from copilot.api.errors import ApiError
from copilot.api.models import GapDismissed, GapOut, UploadDeleted, UploadOut, answers
from copilot.api.params import RowId
from copilot.api.responses import BODY, ROLE, STORE, errors
from copilot.learn import jobs

router = APIRouter(prefix="/v1/learn", tags=["learn"], responses=errors(ROLE, STORE))

UploadId = Annotated[str, Path(min_length=1, max_length=40, description="上传编号")]


def _mib(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MiB"


@router.post("/chatlogs", status_code=202, **answers(UploadOut), responses=errors(BODY))
async def upload_chatlog(
    store: StoreDep,
    learn_jobs: LearnJobsDep,
    identity: Lead,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> JSONResponse:
    """Upload past chats (.csv/.xlsx/.jsonl; columns conversation/会话ID, time/时间, role/角色, text/内容):
    read and masked whole, then mined by a background job (202 with the upload; poll GET
    /v1/learn/chatlogs/{id} for its progress). A file that cannot be read is refused whole: 422
    chatlog_invalid with the row, column and reason, and nothing is stored."""
    limit = settings.learn_max_upload_bytes  # the body limit already refused larger bodies; this is the file itself
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "body_too_large", f"文件过大，聊天记录文件上限 {_mib(limit)}")
    # Parsing, masking and storing 100,000 messages takes seconds: in a worker thread, one transaction.
    upload = await run_in_threadpool(
        jobs.create_upload, store, data, file.filename or "", actor=identity.name, settings=settings
    )
    del data
    learn_jobs.wake()
    return JSONResponse(upload, status_code=202, headers={"Location": f"/v1/learn/chatlogs/{upload['id']}"})


@router.get("/chatlogs", **answers(list[UploadOut]), responses=errors(422))
def list_chatlogs(
    store: StoreDep, _: Lead, limit: Annotated[int, Query(ge=1, le=jobs.UPLOADS_LISTED)] = 200
) -> list[dict[str, Any]]:
    """Uploads and their jobs, newest first."""
    return jobs.list_uploads(store, limit=limit)


@router.get("/chatlogs/{upload_id}", **answers(UploadOut), responses=errors(404, 422))
def get_chatlog(store: StoreDep, _: Lead, upload_id: UploadId) -> dict[str, Any]:
    """One upload: status (queued, running, done, failed, cancelled), progress `done` of `total`
    customer messages, and when done how many candidates and gaps it gave."""
    return jobs.get_upload(store, upload_id)


@router.post("/chatlogs/{upload_id}/cancel", **answers(UploadOut), responses=errors(404, 422))
def cancel_chatlog(store: StoreDep, _: Lead, upload_id: UploadId) -> dict[str, Any]:
    """Stop the job: a queued one at once, a running one within a second; nothing it found is kept."""
    return jobs.cancel_upload(store, upload_id)


@router.delete("/chatlogs/{upload_id}", **answers(UploadDeleted), responses=errors(404, 422))
def delete_chatlog(store: StoreDep, _: Lead, upload_id: UploadId) -> dict[str, Any]:
    """Delete the upload and everything mined from it: its gaps and the pending candidates only it
    proposed (accepted ones are in their phrase by now and stay)."""
    return jobs.delete_upload(store, upload_id)


@router.get("/gaps", **answers(list[GapOut]), responses=errors(422))
def list_gaps(store: StoreDep, _: Lead, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Clusters of customer questions no phrase answers, biggest first: {id, count, questions (≤ 5),
    reply (the agents' most common answer)}; dismissed ones are left out."""
    return jobs.list_gaps(store, limit=limit)


@router.post("/gaps/{gap_id}/dismiss", **answers(GapDismissed), responses=errors(404, 422))
def dismiss_gap(store: StoreDep, _: Lead, gap_id: RowId) -> dict[str, Any]:
    """Take a gap off the list (a phrase was made of it, or it needs none)."""
    return jobs.dismiss_gap(store, gap_id)
