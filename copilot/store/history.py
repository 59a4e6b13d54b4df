"""Versioned history, as phrases and shop rules (and the default-rule switches) keep it: writers serialise on a
counter of the meta row, every change is one history row with the item before and after, the counter moves
once per committed change (workers compare it to learn of edits), and any recorded version can be restored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from copilot.errors import NotFound
from copilot.store import clock
from copilot.store.errors import Invalid, VersionConflict, VersionNotFound
from copilot.store.models import PhraseHistory, RuleHistory, StoreMeta

Item = TypeVar("Item")


@dataclass(frozen=True)
class History:
    """The history of one kind of item: its table, the column naming the item, the StoreMeta counter its
    writers lock and bump, the noun its messages use, and the item ids that can exist (others are never
    looked up: PostgreSQL refuses NUL bytes with an error)."""

    table: type[PhraseHistory] | type[RuleHistory]
    key: str  # phrase_id / rule_id
    counter: str  # phrasebank_version / rules_version
    noun: str  # 短语 / 规则
    ids: re.Pattern[str]
    missing: type[NotFound]  # raised for an item not stored (item) or never stored (state_at)

    def lock(self, session: Session) -> None:
        """Serialise writers on the meta row, so version checks and uniqueness checks cannot race."""
        # A no-op UPDATE takes PostgreSQL's row lock and SQLite's write lock before anything is read.
        column = getattr(StoreMeta, self.counter)
        session.execute(update(StoreMeta).where(StoreMeta.id == 1).values({column: column}))

    def bump(self, session: Session) -> None:
        """Count one committed change (workers compare this number to learn of edits)."""
        column = getattr(StoreMeta, self.counter)
        session.execute(update(StoreMeta).where(StoreMeta.id == 1).values({column: column + 1}))

    def version(self, session: Session) -> int:
        """The number of committed changes so far."""
        return int(session.scalar(select(getattr(StoreMeta, self.counter)).where(StoreMeta.id == 1)) or 0)

    def item(self, session: Session, model: type[Item], item_id: str) -> Item:
        """The stored item (a row of `model`), or `missing`."""
        row = session.get(model, item_id) if self.ids.match(item_id) else None
        if row is None:
            raise self.missing(item_id)
        return row

    def check_version(self, current: dict[str, Any], sent: int | None) -> None:
        """VersionConflict (with the current state) when the change was based on another version; None: unchecked."""
        if sent is not None and sent != current["version"]:
            raise VersionConflict(self.noun, current, sent)

    def invalid(self, problems: list[tuple[str, str]]) -> Invalid:
        return Invalid(self.noun, problems)

    def record(
        self,
        session: Session,
        *,
        item_id: str,
        action: str,
        version: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        actor: str | None,
        **extra: Any,
    ) -> None:
        """Append one history row with the item before and after the change (no bump: see `log`)."""
        session.add(
            self.table(
                **{self.key: item_id},
                action=action,
                version=version,
                before=before,
                after=after,
                changed_at=clock.now(),
                changed_by=actor,
                **extra,
            )
        )

    def log(self, session: Session, **change: Any) -> None:
        """A history row for one change, and the counter bumped so every worker rebuilds."""
        self.record(session, **change)
        self.bump(session)

    def rows(self, session: Session, item_id: str) -> list[Any]:
        """Every recorded change of one item, oldest first."""
        if not self.ids.match(item_id):
            return []
        column = getattr(self.table, self.key)
        return list(session.scalars(select(self.table).where(column == item_id).order_by(self.table.id)))

    def listing(self, session: Session, item_id: str, *extra: str) -> list[dict[str, Any]]:
        """The changes as the API answers them, with the `extra` columns this kind keeps."""
        return [
            {
                "action": h.action,
                "version": h.version,
                "before": h.before,
                "after": h.after,
                "changed_at": clock.iso(h.changed_at),
                "changed_by": h.changed_by,
            }
            | {name: getattr(h, name) for name in extra}
            for h in self.rows(session, item_id)
        ]

    def state_at(
        self, session: Session, item_id: str, version: int, noun: str | None = None, *, must_exist: bool = True
    ) -> tuple[dict[str, Any], int]:
        """The item as recorded at `version`, and the newest version its history knows (a deleted item
        continues its numbering from there, so history versions stay unique). `missing` when the item has
        no history and `must_exist`; VersionNotFound (worded with `noun`) when that version was never saved."""
        rows = self.rows(session, item_id)
        if not rows and must_exist:
            raise self.missing(item_id)
        states = {h.after["version"]: h.after for h in rows if h.after is not None}
        if version not in states:
            raise VersionNotFound(noun or self.noun, item_id, version, sorted(states))
        return dict(states[version]), max(h.version for h in rows)
