"""The phrase recycle bin (回收站): phrases whose latest history row is a delete, read from phrase history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from copilot.store import clock
from copilot.store.models import Phrase, PhraseHistory


def deleted_phrases(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The phrases deleted and not restored since, newest deletion first, each as it was when deleted.

    `version` is the version to hand to POST /v1/phrases/{id}/restore to bring the phrase back.
    """
    latest = select(func.max(PhraseHistory.id)).group_by(PhraseHistory.phrase_id)
    rows = session.scalars(
        select(PhraseHistory)
        .where(PhraseHistory.id.in_(latest), PhraseHistory.action == "delete")
        .where(PhraseHistory.phrase_id.not_in(select(Phrase.id)))  # a row written back by other means
        .order_by(PhraseHistory.id.desc())
        .limit(limit)
    )
    found = []
    for row in rows:
        before = row.before or {}
        if "version" not in before:
            continue  # a delete with no record of the phrase: nothing to restore it to
        found.append(
            {
                "id": row.phrase_id,
                "title": before.get("title"),
                "body": before.get("body"),
                "intent": before.get("intent"),
                "group": before.get("group"),
                "shortcut": before.get("shortcut"),
                "version": before["version"],
                "deleted_at": clock.iso(row.changed_at),
                "deleted_by": row.changed_by,
            }
        )
    return found
