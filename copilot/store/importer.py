"""Bulk import: match rows to stored phrases, validate everything, then write all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from copilot.store.errors import describe_problems
from copilot.store.io.rows import LIST_FIELDS, ImportReport, Row, RowError
from copilot.store.models import Phrase
from copilot.store.phrase_check import BodyCheck
from copilot.store.phrases import (
    base_fields,
    bump_version,
    lock_phrasebank,
    needs_check,
    new_phrase_id,
    record,
    to_public,
    write_phrase,
)
from copilot.store.schemas import FIELD_ZH, PhraseBase, PhraseId, PhrasePublic, describe_errors

_ID: TypeAdapter[str] = TypeAdapter(PhraseId)
_TITLE_FROM_BODY = 20
_DEFAULTS: dict[str, Any] = {"shortcut": None, "keywords": [], "examples": [], "enabled": True, "intent": "other"}
# Blank cells in these columns mean "keep what is stored" (a phrase always has them); elsewhere blank clears.
_KEEP_WHEN_BLANK = ("title", "body", "intent", "group", "enabled")


@dataclass
class _Planned:
    row: Row
    phrase_id: str
    existing: PhrasePublic | None
    data: PhraseBase
    problems: list[dict[str, Any]] | None = None  # error-level lint problems of a new or changed body


def _label(row: Row, name: str) -> str:
    return row.labels.get(name, FIELD_ZH.get(name, name))


def _error(row: Row, name: str, reason: str) -> RowError:
    return RowError(row.field_lines.get(name, row.line), _label(row, name) if name else "", reason, row.source)


def _valid_id(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return _ID.validate_python(str(value).strip())
    except ValidationError as exc:
        raise ValueError(describe_errors(exc)[0][1]) from None


def _title_from(body: Any) -> Any:
    if not isinstance(body, str) or not body.strip():
        return None
    first_line = body.strip().splitlines()[0].strip()
    return first_line[:_TITLE_FROM_BODY]


class _Index:
    """Stored phrases by id, lower-cased shortcut and body, for matching rows."""

    def __init__(self, session: Session) -> None:
        self.by_id = {row.id: to_public(row) for row in session.scalars(select(Phrase)).unique()}
        self.by_shortcut = {p.shortcut: p for p in self.by_id.values() if p.shortcut}
        self.by_body: dict[str, PhrasePublic] = {}
        for phrase in sorted(self.by_id.values(), key=lambda p: p.id):
            self.by_body.setdefault(phrase.body, phrase)

    def match(self, phrase_id: str | None, values: dict[str, Any]) -> PhrasePublic | None:
        if phrase_id is not None:
            return self.by_id.get(phrase_id)
        shortcut = values.get("shortcut")
        if isinstance(shortcut, str) and shortcut.strip():
            return self.by_shortcut.get(shortcut.strip().lower())
        body = values.get("body")
        # Without id or shortcut, identical text is the only identity a row has (so re-imports stay idempotent).
        return self.by_body.get(body.strip()) if isinstance(body, str) else None


def _plan(
    row: Row, index: _Index, replace: bool
) -> tuple[str | None, PhrasePublic | None, PhraseBase | None, list[RowError]]:
    values = dict(row.values)
    try:
        phrase_id = _valid_id(values.pop("id", None))
    except ValueError as exc:
        return None, None, None, [_error(row, "id", str(exc))]
    existing = index.match(phrase_id, values)
    merged: dict[str, Any] = base_fields(existing) if existing else dict(_DEFAULTS)
    for name, value in values.items():
        if value is None and name in _KEEP_WHEN_BLANK:
            continue
        if name in LIST_FIELDS and existing and not replace and isinstance(value, list):
            # a sheet adds keywords and questions to what the phrase has (the schema drops repeats,
            # keeping order); with `replace` the cell is the whole list, and a blank cell clears it
            value = [*merged[name], *value]
        merged[name] = value
    if existing is None and "title" not in merged:
        merged["title"] = _title_from(merged.get("body"))  # Qianniu files have no title column
        if merged["title"] is None:
            merged.pop("title")
    try:
        data = PhraseBase.model_validate(merged)
    except ValidationError as exc:
        found = describe_errors(exc)
        if "title" not in values and any(name == "body" for name, _ in found):
            found = [(name, reason) for name, reason in found if name != "title"]  # the title comes from the body
        errors = [_error(row, name, reason) for name, reason in found]
        return phrase_id, existing, None, errors
    return existing.id if existing else phrase_id, existing, data, []


def import_phrases(
    session: Session,
    rows: Iterable[Row],
    *,
    errors: Iterable[RowError] = (),
    dry_run: bool = False,
    actor: str | None = None,
    source: str = "import",
    check: BodyCheck | None = None,
    force: bool = False,
    replace: bool = False,
) -> ImportReport:
    """Add or update phrases from rows; with any error (or `dry_run`) nothing is written.

    Keywords and example questions are merged into a matched phrase's unless `replace`. With `check`,
    a row whose new body has error-level lint problems is listed in the report's `blocked`; such rows
    refuse the import unless `force` (their history then records the problems overridden)."""
    lock_phrasebank(session)
    report = ImportReport(errors=list(errors), dry_run=dry_run, replace=replace)
    index = _Index(session)
    planned: list[_Planned] = []
    seen_ids: dict[str, Row] = {}
    seen_bodies: dict[str, Row] = {}
    for row in rows:
        phrase_id, existing, data, problems = _plan(row, index, replace)
        report.errors.extend(problems)
        if phrase_id is not None and phrase_id in seen_ids:
            first = seen_ids[phrase_id]
            report.errors.append(_error(row, "id", f"与第 {first.line} 行是同一条短语 ({phrase_id})"))
            continue
        if data is None:
            continue
        if phrase_id is None and not data.shortcut:
            # Rows without id or shortcut are matched by their text, so two with one text would be one phrase.
            if data.body in seen_bodies:
                report.errors.append(_error(row, "body", f"与第 {seen_bodies[data.body].line} 行内容相同"))
                continue
            seen_bodies[data.body] = row
        phrase_id = phrase_id or new_phrase_id(session)
        seen_ids[phrase_id] = row
        planned.append(_Planned(row, phrase_id, existing, data))
    _check_shortcuts(planned, index, report)
    if report.errors:
        report.errors = one_per_row(report.errors)
        return report
    changes = []
    for item in planned:
        if item.existing is None:
            report.added.append(item.phrase_id)
        elif item.data.model_dump() == base_fields(item.existing):
            report.unchanged.append(item.phrase_id)
            continue
        else:
            report.updated.append(item.phrase_id)
            report.changes.append(_diff(item))
        changes.append(item)
    _vet_rows(changes, check, report)
    if report.blocked and not force and not dry_run:
        report.errors = [
            _error(
                item.row,
                "body",
                f"含禁止发送的内容：{describe_problems(item.problems or [])}（确需导入，请选择「仍然导入」）",
            )
            for item in changes
            if item.problems
        ]
        return report
    if not dry_run and changes:
        _write_all(session, changes, actor=actor, source=source)
        bump_version(session)
    return report


def _vet_rows(changes: list[_Planned], check: BodyCheck | None, report: ImportReport) -> None:
    """Lint each new or changed body that would reach agents; list the rows with error-level problems."""
    if check is None:
        return
    for item in changes:
        if not needs_check(item.data, item.existing):
            continue
        item.problems = check(item.data.body) or None
        if item.problems:
            report.blocked.append(
                {
                    "row": item.row.line,
                    "source": item.row.source,
                    "id": item.phrase_id,
                    "title": item.data.title,
                    "problems": item.problems,
                }
            )


def _diff(item: _Planned) -> dict[str, Any]:
    """What an import changes in one stored phrase, field by field (before → after)."""
    assert item.existing is not None
    before, after = base_fields(item.existing), item.data.model_dump()
    fields = [
        {"field": name, "label": FIELD_ZH.get(name, name), "before": before[name], "after": after[name]}
        for name in after
        if after[name] != before[name]
    ]
    return {
        "id": item.phrase_id,
        "title": item.data.title,
        "row": item.row.line,
        "source": item.row.source,
        "fields": fields,
    }


def one_per_row(errors: list[RowError]) -> list[RowError]:
    """One error per row, its problems joined in the order found: a row is fixed once, and listed once."""
    rows: dict[tuple[str, int], list[RowError]] = {}
    for number, error in enumerate(errors):
        # file-level problems (line 0) each stand alone
        key = (error.source, error.line) if error.line else (error.source, -1 - number)
        found = rows.setdefault(key, [])
        if all((e.field, e.reason) != (error.field, error.reason) for e in found):
            found.append(error)  # the same problem found twice (a file reader and the importer) shows once
    merged = []
    for first, *rest in rows.values():
        if not rest:
            merged.append(first)
            continue
        fields = "、".join(dict.fromkeys(e.field for e in (first, *rest) if e.field))
        reason = first.reason + "".join(f"；{e.field}: {e.reason}" if e.field else f"；{e.reason}" for e in rest)
        merged.append(RowError(first.line, fields, reason, first.source))
    return merged


def _check_shortcuts(planned: list[_Planned], index: _Index, report: ImportReport) -> None:
    """Shortcuts must stay unique in the phrasebank as it will be after the import."""
    changing = {item.phrase_id for item in planned}
    taken: dict[str, tuple[str, Row | None]] = {
        p.shortcut: (p.id, None) for p in index.by_id.values() if p.shortcut and p.id not in changing
    }
    for item in planned:
        shortcut = item.data.shortcut
        if not shortcut:
            continue
        if shortcut in taken:
            owner_id, owner_row = taken[shortcut]
            where = f"第 {owner_row.line} 行" if owner_row is not None else f"短语 {owner_id} 的"
            report.errors.append(_error(item.row, "shortcut", f"快捷编码 {shortcut} 与{where}重复"))
            continue
        taken[shortcut] = (item.phrase_id, item.row)


def _write_all(session: Session, changes: list[_Planned], *, actor: str | None, source: str) -> None:
    stored = {item.phrase_id: session.get(Phrase, item.phrase_id) for item in changes if item.existing}
    # Free every shortcut that moves first, so swapping two shortcuts never trips the unique constraint.
    moving = [row for item in changes if (row := stored.get(item.phrase_id)) and row.shortcut != item.data.shortcut]
    for row in moving:
        row.shortcut = None
    session.flush()
    for item in changes:
        after = to_public(
            write_phrase(session, row=stored.get(item.phrase_id), phrase_id=item.phrase_id, data=item.data)
        )
        record(
            session,
            phrase_id=item.phrase_id,
            action="update" if item.existing else "create",
            version=after.version,
            before=item.existing,
            after=after,
            actor=actor,
            source=source,
            overridden=item.problems,
        )
