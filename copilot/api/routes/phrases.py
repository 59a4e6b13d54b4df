"""/v1/phrases: the phrasebank over HTTP — list, read, create, update, delete, import, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from copilot.api.auth_deps import Lead, require_reader
from copilot.api.deps import LiveDep, RuleBookDep, SettingsDep, StoreDep
from copilot.api.errors import ApiError
from copilot.api.models import ImportAnswer, PhraseChange, answers
from copilot.api.params import Choice, ItemId, Offset, Version
from copilot.api.responses import BODY, READER, ROLE, STORE, content, errors
from copilot.store import Store
from copilot.store import phrases as store_phrases
from copilot.store.bulk import without_full_collections
from copilot.store.errors import (
    ImportRefused,
    PhraseNotFound,
)
from copilot.store.importer import import_phrases
from copilot.store.io import FORMATS, ImportReport, RowError, format_for
from copilot.store.phrase_check import BodyCheck, body_check
from copilot.store.schemas import PhraseCreate, PhrasePublic, PhraseUpdate, RestoreRequest
from copilot.suggest.intents import GROUPS, INTENTS

# Every route reads the store behind the reader check; writes add a lead's role and a body.
router = APIRouter(
    prefix="/v1/phrases", tags=["phrases"], dependencies=[Depends(require_reader)], responses=errors(READER, STORE)
)


async def get_check(rulebook: RuleBookDep, live: LiveDep) -> BodyCheck:
    """Lints a phrase body as agents would see it, with the rules this worker has in force now."""
    return body_check(rulebook.linter, live.defaults)


CheckDep = Annotated[BodyCheck, Depends(get_check)]


def _json(phrase: PhrasePublic, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(phrase.model_dump(mode="json"), status_code=status, headers=headers)


@router.get("", **answers(list[PhrasePublic]), responses=errors(422))
def list_phrases(
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    intent: Choice = None,
    group: Choice = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    offset: Offset = None,
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


@router.get("/export", responses={200: content(*(f.content_type for f in FORMATS.values())), **errors(422)})
def export_phrases(store: StoreDep, format: Annotated[str, Query(max_length=16)] = "yaml") -> Response:
    """The whole phrasebank as a yaml, csv or xlsx download."""
    fmt = format_for(name=format)
    with store.begin() as session:
        content = fmt.write(store_phrases.list_phrases(session))
    filename = f"phrasebank-{date.today():%Y%m%d}{fmt.extension}"
    return Response(
        content, media_type=fmt.content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.post("/import", **answers(ImportAnswer), responses=errors(ROLE, BODY))
async def import_file(
    store: StoreDep,
    identity: Lead,
    settings: SettingsDep,
    check: CheckDep,
    file: Annotated[UploadFile, File()],
    format: Choice = None,
    dry_run: bool = False,
    replace: Annotated[bool, Form()] = False,
    force: Annotated[bool, Form()] = False,
) -> JSONResponse:
    """Add or update phrases from an uploaded file; all rows or none; dry_run only reports what would change
    (with a field-by-field diff of each updated phrase and the rows whose body the rules block).
    Keywords and example questions merge into the stored ones unless `replace`; rows with error-level
    lint problems refuse the import (422 phrase_blocked) unless `force`."""
    limit = settings.max_import_bytes  # the body limit already refused larger uploads; this is the file itself
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "file_too_large", f"文件过大,上限 {limit / 1024 / 1024:g} MB")
    # Parsing 20,000 rows and writing them takes seconds: in a worker thread, so sockets and other
    # requests keep being served meanwhile; still one transaction, so all rows or none.
    options = ImportOptions(dry_run=dry_run, replace=replace, force=force, check=check)
    report, version = await run_in_threadpool(_import, store, data, file.filename, format, options, identity.name)
    return JSONResponse(report.as_dict() | {"phrasebank_version": version})


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool
    replace: bool
    force: bool
    check: BodyCheck


def _import(
    store: Store, data: bytes, filename: str | None, format: str | None, options: ImportOptions, actor: str | None
) -> tuple[ImportReport, int]:
    """Parse and import an uploaded file in one transaction (runs in a worker thread)."""
    with without_full_collections():
        return _import_now(store, data, filename, format, options, actor)


def _import_now(
    store: Store, data: bytes, filename: str | None, format: str | None, options: ImportOptions, actor: str | None
) -> tuple[ImportReport, int]:
    try:
        fmt = format_for(filename=filename, name=format)
        rows, errors = fmt.read(data, "")
    except ImportRefused as exc:
        errors = [RowError(0, "", exc.message)]
        raise ApiError(422, exc.code, exc.message, {"errors": [e.as_dict() for e in errors]}) from None
    with store.begin() as session:
        report = import_phrases(
            session,
            rows,
            errors=errors,
            dry_run=options.dry_run,
            actor=actor,
            check=options.check,
            force=options.force,
            replace=options.replace,
        )
        version = store_phrases.phrasebank_version(session)
    if report.errors:
        listed = ";".join(str(e) for e in report.errors[:5])
        more = f" 等 {len(report.errors)} 处" if len(report.errors) > 5 else ""
        details = {"errors": [e.as_dict() for e in report.errors]}
        if report.blocked:  # every row is valid, but some say what the rules forbid
            raise ApiError(
                422,
                "phrase_blocked",
                f"导入失败，未做任何修改 — {len(report.blocked)} 行含禁止发送的内容，"
                f"确需导入请选择「仍然导入」：{listed}{more}",
                details
                | {
                    "blocked": report.blocked,
                    "problems": [{"row": b["row"], **p} for b in report.blocked for p in b["problems"]],
                },
            )
        raise ApiError(422, "import_invalid", f"导入失败，未做任何修改 — {listed}{more}", details)
    return report, version


@router.get("/{phrase_id}", **answers(PhrasePublic), responses=errors(404, 422))
def get_phrase(phrase_id: ItemId, store: StoreDep) -> JSONResponse:
    """One phrase."""
    with store.begin() as session:
        return _json(store_phrases.get_phrase(session, phrase_id=phrase_id))


@router.get("/{phrase_id}/history", **answers(list[PhraseChange]), responses=errors(404, 422))
def phrase_history(phrase_id: ItemId, store: StoreDep) -> list[dict[str, Any]]:
    """Every recorded change of a phrase, oldest first (kept after the phrase is deleted)."""
    with store.begin() as session:
        changes = store_phrases.phrase_history(session, phrase_id=phrase_id)
    if not changes:
        raise PhraseNotFound(phrase_id)
    return changes


@router.post("/{phrase_id}/restore", **answers(PhrasePublic), responses=errors(ROLE, BODY, 404, 409))
def restore_phrase(phrase_id: ItemId, body: RestoreRequest, store: StoreDep, identity: Lead) -> JSONResponse:
    """Bring a phrase back as it was at an earlier version (a deleted one too), as a new version."""
    with store.begin() as session:
        restored = store_phrases.restore_phrase(session, phrase_id=phrase_id, version=body.version, actor=identity.name)
    return _json(restored)


@router.post("", status_code=201, **answers(PhrasePublic), responses=errors(ROLE, BODY, 409))
def create_phrase(body: PhraseCreate, store: StoreDep, identity: Lead, check: CheckDep) -> JSONResponse:
    """Add a phrase; 409 when its id or shortcut is taken; 422 phrase_blocked when its body breaks an
    error-level rule, unless `force` is true (the history then records the problems overridden)."""
    with store.begin() as session:
        created = store_phrases.create_phrase(session, data=body, actor=identity.name, check=check)
    return _json(created, 201, {"Location": f"/v1/phrases/{created.id}"})


@router.put("/{phrase_id}", **answers(PhrasePublic), responses=errors(ROLE, BODY, 404, 409))
def update_phrase(
    phrase_id: ItemId, body: PhraseUpdate, store: StoreDep, identity: Lead, check: CheckDep
) -> JSONResponse:
    """Change a phrase; 409 with the current phrase when `version` is stale; 422 phrase_blocked as for
    create. A phrase read with GET can be sent back whole: its `id` must then be the path's."""
    if body.id is not None and body.id != phrase_id:
        raise ApiError(
            422,
            "id_mismatch",
            f"请求体的 id {body.id!r} 与地址中的短语 {phrase_id!r} 不一致",
            {"path": phrase_id, "body": body.id},
        )
    with store.begin() as session:
        return _json(
            store_phrases.update_phrase(session, phrase_id=phrase_id, data=body, actor=identity.name, check=check)
        )


@router.delete("/{phrase_id}", status_code=204, responses=errors(ROLE, 404, 409, 422))
def delete_phrase(phrase_id: ItemId, store: StoreDep, identity: Lead, version: Version = None) -> Response:
    """Remove a phrase; with ?version=, only if nobody changed it since."""
    with store.begin() as session:
        store_phrases.delete_phrase(session, phrase_id=phrase_id, version=version, actor=identity.name)
    return Response(status_code=204)
