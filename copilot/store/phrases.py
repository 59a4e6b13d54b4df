"""Data access for phrases: list, get, create, update, delete, restore, each change recorded in history."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from copilot.store import clock
from copilot.store.errors import IdTaken, PhraseBlocked, PhraseNotFound, ShortcutTaken
from copilot.store.history import History
from copilot.store.models import Group, Phrase, PhraseHistory
from copilot.store.phrase_check import BodyCheck
from copilot.store.schemas import ID_RE, PhraseBase, PhraseCreate, PhrasePublic, PhraseUpdate, describe_errors

HISTORY = History(PhraseHistory, "phrase_id", "phrasebank_version", "短语", ID_RE, PhraseNotFound)
# Writers lock the phrasebank's counter, bump it once per committed change; workers poll its version.
lock_phrasebank, bump_version, phrasebank_version = HISTORY.lock, HISTORY.bump, HISTORY.version


def to_public(row: Phrase) -> PhrasePublic:
    """The stored phrase as the API shows it (not re-validated: stored data was checked on the way in)."""
    return PhrasePublic.model_construct(
        id=row.id,
        title=row.title,
        body=row.body,
        intent=row.intent,
        group=row.group.name,
        shortcut=row.shortcut,
        keywords=list(row.keywords),
        examples=list(row.examples),
        enabled=row.enabled,
        version=row.version,
    )


def _filtered(q: str | None, intent: str | None, group: str | None, enabled: bool | None) -> Select[Any]:
    query = select(Phrase).join(Phrase.group).options(contains_eager(Phrase.group))
    if intent:
        query = query.where(Phrase.intent == intent)
    if group:
        query = query.where(Group.name == group)
    if enabled is not None:
        query = query.where(Phrase.enabled == enabled)
    # Only printable characters: PostgreSQL refuses NUL, and nothing stored holds lone surrogates.
    needle = "".join(ch for ch in (q or "") if ch.isprintable()).strip()
    if needle:
        query = query.where(
            or_(
                Phrase.title.icontains(needle, autoescape=True),
                Phrase.body.icontains(needle, autoescape=True),
                Phrase.shortcut.icontains(needle, autoescape=True),
                cast(Phrase.keywords, String).icontains(needle, autoescape=True),
                cast(Phrase.examples, String).icontains(needle, autoescape=True),
            )
        )
    return query


def list_phrases(
    session: Session,
    *,
    q: str | None = None,
    intent: str | None = None,
    group: str | None = None,
    enabled: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[PhrasePublic]:
    """Phrases matching every filter given, ordered by id; `q` searches text, shortcut and word lists."""
    query = _filtered(q, intent, group, enabled).order_by(Phrase.id).offset(offset or None).limit(limit)
    return [to_public(row) for row in session.scalars(query).unique()]


def count_phrases(
    session: Session,
    *,
    q: str | None = None,
    intent: str | None = None,
    group: str | None = None,
    enabled: bool | None = None,
) -> int:
    """How many phrases list_phrases would return without limit and offset."""
    query = _filtered(q, intent, group, enabled).with_only_columns(func.count(Phrase.id))
    return int(session.scalar(query) or 0)


def load_enabled_phrases(session: Session) -> list[PhrasePublic]:
    """Every enabled phrase: what the suggest engine indexes."""
    return list_phrases(session, enabled=True)


def base_fields(phrase: PhrasePublic) -> dict[str, Any]:
    """The editable fields of a phrase, to compare with a PhraseBase dump."""
    return phrase.model_dump(exclude={"id", "version"})


def _row(session: Session, phrase_id: str) -> Phrase:
    return HISTORY.item(session, Phrase, phrase_id)


def get_phrase(session: Session, *, phrase_id: str) -> PhrasePublic:
    """One phrase, or PhraseNotFound."""
    return to_public(_row(session, phrase_id))


def shortcut_owner(session: Session, *, shortcut: str | None, besides: str | None = None) -> str | None:
    """The id of the phrase (other than `besides`) that already uses this shortcut."""
    if not shortcut:
        return None
    query = select(Phrase.id).where(Phrase.shortcut == shortcut.lower())
    if besides is not None:
        query = query.where(Phrase.id != besides)
    return session.scalar(query)


def group_id(session: Session, name: str) -> int:
    """The id of the named group, created on first use (the migration made the original three)."""
    found = session.scalar(select(Group.id).where(Group.name == name))
    if found is not None:
        return found
    position = session.scalar(select(func.coalesce(func.max(Group.position), -1) + 1))
    group = Group(name=name, position=position)
    session.add(group)
    session.flush()
    return group.id


def new_phrase_id(session: Session) -> str:
    """A fresh `p-` + 8 hex id."""
    while True:
        candidate = f"p-{secrets.token_hex(4)}"
        if session.get(Phrase, candidate) is None:
            return candidate


def require_free_shortcut(session: Session, *, shortcut: str | None, besides: str | None = None) -> None:
    """ShortcutTaken when another phrase already uses this shortcut code."""
    owner = shortcut_owner(session, shortcut=shortcut, besides=besides)
    if owner is not None:
        raise ShortcutTaken(shortcut or "", owner)


def _log_change(session: Session, **change: Any) -> None:
    """A history row for one phrase change, and the phrasebank's version bumped so every worker rebuilds."""
    record(session, **change)
    bump_version(session)


def record(
    session: Session,
    *,
    phrase_id: str,
    action: str,
    version: int,
    before: PhrasePublic | None,
    after: PhrasePublic | None,
    actor: str | None,
    source: str,
    overridden: list[dict[str, Any]] | None = None,
) -> None:
    """Append one history row with the phrase before and after the change (and the lint problems a
    forced save went past)."""
    HISTORY.record(
        session,
        item_id=phrase_id,
        action=action,
        version=version,
        before=before.model_dump(mode="json") if before else None,
        after=after.model_dump(mode="json") if after else None,
        actor=actor,
        source=source,
        overridden=overridden or None,
    )


def needs_check(data: PhraseBase, before: PhrasePublic | None) -> bool:
    """Whether a change puts (new) text in front of agents: a new phrase, a new body, or one switched on.
    A retitled or switched-off phrase is not held up by a rule added after its body was saved."""
    return before is None or data.body != before.body or (data.enabled and not before.enabled)


def vet(
    data: PhraseBase, before: PhrasePublic | None, check: BodyCheck | None, force: bool
) -> list[dict[str, Any]] | None:
    """The error-level problems a forced save goes past (None when there are none); PhraseBlocked
    when the body has some and the save is not forced."""
    if check is None or not needs_check(data, before):
        return None
    problems = check(data.body)
    if problems and not force:
        raise PhraseBlocked(problems)
    return problems or None


def write_phrase(session: Session, *, row: Phrase | None, phrase_id: str, data: PhraseBase) -> Phrase:
    """Insert or overwrite the stored phrase with validated data (no checks, no history, no bump)."""
    now = clock.now()
    group = group_id(session, data.group)  # before the new row joins the session, or autoflush inserts it
    if row is None:
        row = Phrase(id=phrase_id, version=0, created_at=now)
        session.add(row)
    row.title, row.body, row.intent, row.group_id = data.title, data.body, data.intent, group
    row.shortcut, row.keywords, row.examples = data.shortcut, list(data.keywords), list(data.examples)
    row.enabled, row.version, row.updated_at = data.enabled, row.version + 1, now
    session.flush()
    session.refresh(row, ["group"])
    return row


def create_phrase(
    session: Session,
    *,
    data: PhraseCreate,
    actor: str | None = None,
    source: str = "api",
    check: BodyCheck | None = None,
) -> PhrasePublic:
    """Add a phrase; IdTaken or ShortcutTaken when it clashes, PhraseBlocked when `check` finds
    error-level problems in its body and `data.force` is not set."""
    lock_phrasebank(session)
    if data.id is not None and session.get(Phrase, data.id) is not None:
        raise IdTaken(data.id)
    require_free_shortcut(session, shortcut=data.shortcut)
    overridden = vet(data, None, check, data.force)
    phrase_id = data.id or new_phrase_id(session)
    created = to_public(write_phrase(session, row=None, phrase_id=phrase_id, data=data))
    _log_change(
        session,
        phrase_id=phrase_id,
        action="create",
        version=created.version,
        before=None,
        after=created,
        actor=actor,
        source=source,
        overridden=overridden,
    )
    return created


def update_phrase(
    session: Session,
    *,
    phrase_id: str,
    data: PhraseUpdate,
    actor: str | None = None,
    source: str = "api",
    check: BodyCheck | None = None,
) -> PhrasePublic:
    """Change the fields given; VersionConflict (with the current phrase) when `data.version` is stale,
    PhraseBlocked when `check` finds error-level problems in a new body and `data.force` is not set."""
    lock_phrasebank(session)
    row = _row(session, phrase_id)
    before = to_public(row)
    HISTORY.check_version(before.model_dump(mode="json"), data.version)
    merged = base_fields(before) | data.model_dump(exclude_unset=True, exclude={"version", "id", "force"})
    try:
        valid = PhraseBase.model_validate(merged)  # an explicit null for a required field lands here
    except ValidationError as exc:
        raise HISTORY.invalid(describe_errors(exc)) from None
    if valid.model_dump() == base_fields(before):
        return before  # nothing changed: no new version, no history row
    require_free_shortcut(session, shortcut=valid.shortcut, besides=phrase_id)
    overridden = vet(valid, before, check, data.force)
    after = to_public(write_phrase(session, row=row, phrase_id=phrase_id, data=valid))
    _log_change(
        session,
        phrase_id=phrase_id,
        action="update",
        version=after.version,
        before=before,
        after=after,
        actor=actor,
        source=source,
        overridden=overridden,
    )
    return after


def delete_phrase(
    session: Session,
    *,
    phrase_id: str,
    version: int | None = None,
    actor: str | None = None,
    source: str = "api",
) -> PhrasePublic:
    """Remove a phrase (history stays); with `version`, only if nobody changed it since."""
    lock_phrasebank(session)
    row = _row(session, phrase_id)
    before = to_public(row)
    HISTORY.check_version(before.model_dump(mode="json"), version)
    session.delete(row)
    _log_change(
        session,
        phrase_id=phrase_id,
        action="delete",
        version=before.version + 1,
        before=before,
        after=None,
        actor=actor,
        source=source,
    )
    return before


def phrase_history(session: Session, *, phrase_id: str) -> list[dict[str, Any]]:
    """Every recorded change of one phrase, oldest first."""
    return HISTORY.listing(session, phrase_id, "source", "overridden")


def restore_phrase(
    session: Session, *, phrase_id: str, version: int, actor: str | None = None, source: str = "api"
) -> PhrasePublic:
    """Bring a phrase back as it was at `version` of its history, as a new version (also after a delete)."""
    lock_phrasebank(session)
    state, newest = HISTORY.state_at(session, phrase_id, version)
    try:
        data = PhraseBase.model_validate({k: v for k, v in state.items() if k not in ("id", "version")})
    except ValidationError as exc:
        raise HISTORY.invalid(describe_errors(exc)) from None
    row = session.get(Phrase, phrase_id)
    before = to_public(row) if row is not None else None
    if before is not None and data.model_dump() == base_fields(before):
        return before  # already as it was: no new version
    require_free_shortcut(session, shortcut=data.shortcut, besides=phrase_id)
    written = write_phrase(session, row=row, phrase_id=phrase_id, data=data)
    if row is None:  # a deleted phrase continues its numbering, so history versions stay unique
        written.version = newest + 1
        session.flush()
    after = to_public(written)
    _log_change(
        session,
        phrase_id=phrase_id,
        action="restore",
        version=after.version,
        before=before,
        after=after,
        actor=actor,
        source=source,
    )
    return after
