"""/v1/phrases: the phrasebank over HTTP — list, read, create, update, delete, import, export."""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from copilot.api.errors import ApiError
from copilot.store import Store
from copilot.store import phrases as store_phrases
from copilot.store.errors import Conflict, ImportRefused, InvalidPhrase, PhraseNotFound, StoreError
from copilot.store.importer import import_phrases
from copilot.store.io import RowError, format_for
from copilot.store.schemas import PhraseCreate, PhrasePublic, PhraseUpdate
from copilot.suggest.intents import GROUPS, INTENTS

router = APIRouter(prefix="/v1/phrases", tags=["phrases"])

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_STATUS: dict[type[StoreError], int] = {PhraseNotFound: 404, Conflict: 409, InvalidPhrase: 422, ImportRefused: 422}
# Starlette's TestClient reports this host; it is the test process itself.
_LOCAL_NAMES = {"localhost", "testclient"}


def get_store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


def _is_loopback(host: str | None) -> bool:
    if host is None or host in _LOCAL_NAMES:
        return host is not None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def require_local_writer(request: Request) -> None:
    """Writes are open to this machine only, until accounts arrive (a later issue closes this)."""
    host = request.client.host if request.client else None
    if not _is_loopback(host):
        raise ApiError(403, "write_forbidden", "在启用账号之前,只能在运行服务的这台电脑上修改话术库(127.0.0.1)")


LocalWriter = Depends(require_local_writer)


def _api_error(exc: StoreError) -> ApiError:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    return ApiError(status, exc.code, exc.message, exc.details)


def _json(phrase: PhrasePublic, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(phrase.model_dump(mode="json"), status_code=status, headers=headers)


@router.get("")
def list_phrases(
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    intent: str | None = None,
    group: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    offset: Annotated[int | None, Query(ge=0)] = None,
) -> JSONResponse:
    """Every phrase matching the filters as one array; with limit/offset one page, and X-Total-Count."""
    if intent and intent not in INTENTS:
        raise ApiError(422, "invalid_request", f"意图 {intent!r} 不存在,可选: {'、'.join(INTENTS)}")
    if group and group not in GROUPS:
        raise ApiError(422, "invalid_request", f"分组 {group!r} 不存在,可选: {'、'.join(GROUPS)}")
    filters: dict[str, Any] = {"q": q, "intent": intent, "group": group}
    with store.begin() as session:
        found = store_phrases.list_phrases(session, **filters, limit=limit, offset=offset or 0)
        headers = {}
        if limit is not None or offset is not None:
            headers["X-Total-Count"] = str(store_phrases.count_phrases(session, **filters))
    return JSONResponse([p.model_dump(mode="json") for p in found], headers=headers)


@router.get("/export")
def export_phrases(store: StoreDep, format: str = "yaml") -> Response:
    """The whole phrasebank as a yaml, csv or xlsx download."""
    try:
        fmt = format_for(name=format)
    except ImportRefused as exc:
        raise _api_error(exc) from None
    with store.begin() as session:
        content = fmt.write(store_phrases.list_phrases(session))
    filename = f"phrasebank-{date.today():%Y%m%d}{fmt.extension}"
    return Response(content, media_type=fmt.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/import", dependencies=[LocalWriter])
async def import_file(
    store: StoreDep,
    file: Annotated[UploadFile, File()],
    format: str | None = None,
    dry_run: bool = False,
) -> JSONResponse:
    """Add or update phrases from an uploaded file; all rows or none; dry_run only reports what would change."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "file_too_large", f"文件过大,上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    try:
        fmt = format_for(filename=file.filename, name=format)
        rows, errors = fmt.read(data, "")
    except ImportRefused as exc:
        errors = [RowError(0, "", exc.message)]
        raise ApiError(422, exc.code, exc.message, {"errors": [e.as_dict() for e in errors]}) from None
    with store.begin() as session:
        report = import_phrases(session, rows, errors=errors, dry_run=dry_run)
        version = store_phrases.phrasebank_version(session)
    if report.errors:
        listed = ";".join(str(e) for e in report.errors[:5])
        more = f" 等 {len(report.errors)} 处" if len(report.errors) > 5 else ""
        raise ApiError(422, "import_invalid", f"导入失败,未做任何修改 — {listed}{more}",
                       {"errors": [e.as_dict() for e in report.errors]})
    return JSONResponse(report.as_dict() | {"phrasebank_version": version})


@router.get("/{phrase_id}")
def get_phrase(phrase_id: str, store: StoreDep) -> JSONResponse:
    """One phrase."""
    try:
        with store.begin() as session:
            return _json(store_phrases.get_phrase(session, phrase_id=phrase_id))
    except StoreError as exc:
        raise _api_error(exc) from None


@router.get("/{phrase_id}/history")
def phrase_history(phrase_id: str, store: StoreDep) -> list[dict[str, Any]]:
    """Every recorded change of a phrase, oldest first (kept after the phrase is deleted)."""
    with store.begin() as session:
        changes = store_phrases.phrase_history(session, phrase_id=phrase_id)
    if not changes:
        raise _api_error(PhraseNotFound(phrase_id))
    return changes


@router.post("", status_code=201, dependencies=[LocalWriter])
def create_phrase(body: PhraseCreate, store: StoreDep) -> JSONResponse:
    """Add a phrase; 409 when its id or shortcut is taken."""
    try:
        with store.begin() as session:
            created = store_phrases.create_phrase(session, data=body)
    except StoreError as exc:
        raise _api_error(exc) from None
    return _json(created, 201, {"Location": f"/v1/phrases/{created.id}"})


@router.put("/{phrase_id}", dependencies=[LocalWriter])
def update_phrase(phrase_id: str, body: PhraseUpdate, store: StoreDep) -> JSONResponse:
    """Change a phrase; 409 with the current phrase when `version` is stale."""
    try:
        with store.begin() as session:
            return _json(store_phrases.update_phrase(session, phrase_id=phrase_id, data=body))
    except StoreError as exc:
        raise _api_error(exc) from None


@router.delete("/{phrase_id}", status_code=204, dependencies=[LocalWriter])
def delete_phrase(
    phrase_id: str, store: StoreDep, version: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    """Remove a phrase; with ?version=, only if nobody changed it since."""
    try:
        with store.begin() as session:
            store_phrases.delete_phrase(session, phrase_id=phrase_id, version=version)
    except StoreError as exc:
        raise _api_error(exc) from None
    return Response(status_code=204)

