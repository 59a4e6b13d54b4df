"""/v1/learn/candidates: customer messages proposed as example questions of the phrase agents chose for them
(from the sidebars' `used` and `sent` frames and from imported chat logs); a lead accepts, rejects or moves
each. Accepting adds the message to the phrase's examples (a new phrase version, history source "learn"):
live on this worker before the answer leaves (the refresh middleware), on the others within
COPILOT_REFRESH_SECONDS, and the intent model retrains with it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from copilot.api.auth_deps import Lead, require_role
from copilot.api.deps import StoreDep
from copilot.api.models import CandidateGroup, CandidateOut, answers
from copilot.api.params import RowId
from copilot.api.responses import BODY, ROLE, STORE, errors
from copilot.learn import candidates
from copilot.store.schemas import PhraseId

router = APIRouter(
    prefix="/v1/learn/candidates",
    tags=["learn"],
    dependencies=[Depends(require_role("lead"))],
    responses=errors(ROLE, STORE),
)


class MoveRequest(BaseModel):
    """POST body of a move: the phrase the message should be proposed for instead."""

    model_config = ConfigDict(extra="forbid")

    phrase_id: PhraseId


@router.get("", **answers(list[CandidateGroup]), responses=errors(422))
def list_candidates(
    store: StoreDep,
    status: Literal["pending", "accepted", "rejected"] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[dict[str, Any]]:
    """Candidates of one status grouped by phrase, the phrase with the most sightings first and in each the
    most frequent message first: [{phrase: {id, title, intent}, count, candidates: [{id, message, status,
    count, agents (≤10, most frequent first), agent_count, decided_at, decided_by}]}]. `limit` caps the
    candidates (the most frequent are kept); those of deleted phrases are left out."""
    with store.read() as session:
        return candidates.list_candidates(session, status=status, limit=limit)


@router.post("/{candidate_id}/accept", **answers(CandidateOut), responses=errors(BODY, 404, 409))
def accept(candidate_id: RowId, store: StoreDep, identity: Lead) -> dict[str, Any]:
    """Add the message to its phrase's example questions (recorded in the phrase's history, source "learn");
    404 candidate_not_found / phrase_not_found (the phrase was deleted), 409 candidate_decided (accepted or
    rejected already) / examples_full."""
    with store.begin() as session:
        return candidates.accept(session, candidate_id, actor=identity.name)


@router.post("/{candidate_id}/reject", **answers(CandidateOut), responses=errors(BODY, 404, 409))
def reject(candidate_id: RowId, store: StoreDep, identity: Lead) -> dict[str, Any]:
    """Never propose this message for this phrase again; 404 candidate_not_found, 409 candidate_decided."""
    with store.begin() as session:
        return candidates.reject(session, candidate_id, actor=identity.name)


@router.post("/{candidate_id}/move", **answers(CandidateOut), responses=errors(BODY, 404, 409))
def move(candidate_id: RowId, body: MoveRequest, store: StoreDep, identity: Lead) -> dict[str, Any]:
    """Propose the message for another phrase (its counts go with it, merged into that phrase's candidate for
    the same message if there is one); 404 candidate_not_found / phrase_not_found, 409 candidate_decided."""
    with store.begin() as session:
        return candidates.move(session, candidate_id, phrase_id=body.phrase_id, actor=identity.name)
