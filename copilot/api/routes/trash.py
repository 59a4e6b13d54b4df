"""/v1/trash: what was deleted and can still be brought back (restore goes through /v1/phrases/{id}/restore)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from copilot.api.auth_deps import require_reader
from copilot.api.deps import StoreDep
from copilot.api.models import DeletedPhrase, answers
from copilot.api.responses import READER, STORE, errors
from copilot.store.trash import deleted_phrases

# Its own prefix, not /v1/phrases/deleted: that would sit beside /v1/phrases/{phrase_id} and depend on
# route order to mean the bin rather than a phrase called "deleted".
router = APIRouter(
    prefix="/v1/trash", tags=["trash"], dependencies=[Depends(require_reader)], responses=errors(READER, STORE)
)


@router.get("/phrases", **answers(list[DeletedPhrase]), responses=errors(422))
def trash_phrases(store: StoreDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Deleted phrases not restored since, newest first: id, title, body, intent, group, shortcut, the
    `version` to restore, deleted_at and deleted_by."""
    with store.begin() as session:
        return deleted_phrases(session, limit=limit)
