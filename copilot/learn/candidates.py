"""Candidate example questions: recorded from sightings (an agent chose a phrase for a customer message,
in the sidebar or in an imported chat log), listed for a lead, accepted into the phrase's example
questions, rejected for good, or moved to another phrase."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from copilot.errors import AppError, Conflict, NotFound
from copilot.learn.keys import clean_message, key_text, message_key
from copilot.store import clock
from copilot.store import phrases as store_phrases
from copilot.store.errors import PhraseNotFound
from copilot.store.models import LearnCandidate, LearnSighting, Phrase
from copilot.store.schemas import EXAMPLES_MAX, PhraseUpdate

USE = "use"  # the source of sightings from the sidebar; an upload's sightings carry its id
AUTO = "自动采纳"  # who decided, when the auto-accept setting did
CHUNK = 500  # ids per IN (...) list
AGENTS_SHOWN = 10


@dataclass(frozen=True)
class Sighting:
    """An agent chose `phrase_id` in answer to `message` (already masked), `count` times."""

    phrase_id: str
    message: str
    agent: str | None = None
    source: str = USE
    count: int = 1


class CandidateNotFound(NotFound):
    code = "candidate_not_found"
    template = "没有编号为 {key} 的候选问法"


class CandidateDecided(Conflict):
    code = "candidate_decided"

    def __init__(self, candidate_id: int, status: str) -> None:
        said = {"accepted": "已采纳", "rejected": "已拒绝"}.get(status, status)
        super().__init__(f"候选问法 {candidate_id} {said}，不能再处理", {"id": candidate_id, "status": status})


class ExamplesFull(Conflict):
    code = "examples_full"

    def __init__(self, phrase_id: str) -> None:
        super().__init__(
            f"短语 {phrase_id} 的示例问题已满 {EXAMPLES_MAX} 条：请先在短语里删去几条不常见的，再采纳",
            {"phrase_id": phrase_id, "max": EXAMPLES_MAX},
        )


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL both do)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _existing_phrases(session: Session, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(session.scalars(select(Phrase.id).where(Phrase.id.in_(wanted[start : start + CHUNK]))))
    return found


def record(session: Session, sightings: Iterable[Sighting], *, auto_accept_agents: int = 0) -> int:
    """Count the sightings (of phrases that exist, with messages fit to be examples); returns how many
    were counted. Safe against other workers recording the same candidate at the same time."""
    counts: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    messages: dict[tuple[str, str], str] = {}
    for sighting in sightings:
        message = clean_message(sighting.message)
        if message is None or sighting.count <= 0:
            continue
        key = (sighting.phrase_id, message_key(message))
        messages.setdefault(key, message)
        counts[key][(sighting.source, (sighting.agent or "")[:64])] += sighting.count
    if auto_accept_agents > 0:
        # accepting takes the phrasebank lock: taken first, as a lead's accept does, so a writer and a lead
        # (or two writers) never lock the meta row and a candidate in opposite orders (a deadlock)
        store_phrases.lock_phrasebank(session)
    known = _existing_phrases(session, {phrase for phrase, _ in counts})
    counts = {key: by for key, by in counts.items() if key[0] in known}
    if not counts:
        return 0
    insert = _insert(session)
    now = datetime.now(UTC)
    rows = [
        {
            "phrase_id": phrase,
            "message_key": mkey,
            "message": messages[(phrase, mkey)],
            "status": "pending",
            "created_at": now,
        }
        for phrase, mkey in counts
    ]
    for start in range(0, len(rows), CHUNK):
        session.execute(
            insert(LearnCandidate).on_conflict_do_nothing(index_elements=["phrase_id", "message_key"]),
            rows[start : start + CHUNK],
        )
    ids = _candidate_ids(session, list(counts))
    # a candidate a lead merged away (move) between the insert and the select takes no sightings
    sighting_rows = [
        {"candidate_id": ids[key], "source": source, "agent": agent, "count": n}
        for key, by in counts.items()
        if key in ids
        for (source, agent), n in by.items()
    ]
    statement = insert(LearnSighting)
    statement = statement.on_conflict_do_update(
        index_elements=["candidate_id", "source", "agent"],
        set_={"count": LearnSighting.count + statement.excluded.count},
    )
    for start in range(0, len(sighting_rows), CHUNK):
        session.execute(statement, sighting_rows[start : start + CHUNK])
    if auto_accept_agents > 0:
        _auto_accept(session, list(ids.values()), auto_accept_agents)
    return sum(n for by in counts.values() for n in by.values())


def _candidate_ids(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    by_key: dict[str, list[str]] = defaultdict(list)
    for phrase, mkey in keys:
        by_key[mkey].append(phrase)
    wanted = set(keys)
    ids: dict[tuple[str, str], int] = {}
    mkeys = sorted(by_key)
    for start in range(0, len(mkeys), CHUNK):
        rows = session.execute(
            select(LearnCandidate.id, LearnCandidate.phrase_id, LearnCandidate.message_key).where(
                LearnCandidate.message_key.in_(mkeys[start : start + CHUNK])
            )
        )
        for cid, phrase, mkey in rows:
            if (phrase, mkey) in wanted:
                ids[(phrase, mkey)] = cid
    return ids


def _auto_accept(session: Session, candidate_ids: Sequence[int], agents_needed: int) -> None:
    """Accept the pending candidates among these that enough different agents chose; one that cannot be
    accepted (its phrase's examples are full) waits for a lead."""
    for start in range(0, len(candidate_ids), CHUNK):
        chunk = candidate_ids[start : start + CHUNK]
        ready = session.scalars(
            select(LearnSighting.candidate_id)
            .join(LearnCandidate, LearnCandidate.id == LearnSighting.candidate_id)
            .where(LearnSighting.candidate_id.in_(chunk), LearnSighting.agent != "", LearnCandidate.status == "pending")
            .group_by(LearnSighting.candidate_id)
            .having(func.count(func.distinct(LearnSighting.agent)) >= agents_needed)
        ).all()
        for cid in ready:
            try:
                with session.begin_nested():
                    accept(session, cid, actor=AUTO)
            except AppError:
                continue


def _candidate(session: Session, candidate_id: int) -> LearnCandidate:
    row = session.get(LearnCandidate, candidate_id, with_for_update=True)
    if row is None:
        raise CandidateNotFound(candidate_id)
    return row


def _pending(session: Session, candidate_id: int) -> LearnCandidate:
    row = _candidate(session, candidate_id)
    if row.status != "pending":
        raise CandidateDecided(candidate_id, row.status)
    return row


def _decide(row: LearnCandidate, status: str, actor: str | None) -> None:
    row.status, row.decided_at, row.decided_by = status, datetime.now(UTC), actor


def accept(session: Session, candidate_id: int, *, actor: str | None) -> dict[str, Any]:
    """Add the candidate's message to its phrase's example questions (a new phrase version, recorded in
    history with source "learn", so every worker's index retrains) and mark it accepted."""
    store_phrases.lock_phrasebank(session)
    row = _pending(session, candidate_id)
    phrase = store_phrases.get_phrase(session, phrase_id=row.phrase_id)
    known = {key_text(example) for example in phrase.examples}
    if key_text(row.message) not in known:
        if len(phrase.examples) >= EXAMPLES_MAX:
            raise ExamplesFull(phrase.id)
        update = PhraseUpdate(examples=[*phrase.examples, row.message], version=phrase.version)
        store_phrases.update_phrase(session, phrase_id=phrase.id, data=update, actor=actor, source="learn")
    _decide(row, "accepted", actor)
    session.flush()
    return _describe(session, row)


def reject(session: Session, candidate_id: int, *, actor: str | None) -> dict[str, Any]:
    """Never propose this message for this phrase again (the row stays, marked rejected)."""
    row = _pending(session, candidate_id)
    _decide(row, "rejected", actor)
    session.flush()
    return _describe(session, row)


def move(session: Session, candidate_id: int, *, phrase_id: str, actor: str | None) -> dict[str, Any]:
    """Propose the message for another phrase instead (its counts go with it); merged into that phrase's
    candidate for the same message when there is one, which is proposed again even if it was rejected."""
    row = _pending(session, candidate_id)
    if phrase_id == row.phrase_id:
        return _describe(session, row)
    if not _existing_phrases(session, [phrase_id]):
        raise PhraseNotFound(phrase_id)
    other = session.scalar(
        select(LearnCandidate)
        .where(LearnCandidate.phrase_id == phrase_id, LearnCandidate.message_key == row.message_key)
        .with_for_update()
    )
    if other is None:
        row.phrase_id = phrase_id
        session.flush()
        return _describe(session, row)
    if other.status == "accepted":
        raise CandidateDecided(other.id, other.status)
    for sighting in session.scalars(select(LearnSighting).where(LearnSighting.candidate_id == row.id)).all():
        mine = session.get(LearnSighting, (other.id, sighting.source, sighting.agent))
        if mine is None:
            session.add(
                LearnSighting(candidate_id=other.id, source=sighting.source, agent=sighting.agent, count=sighting.count)
            )
        else:
            mine.count += sighting.count
    other.status, other.decided_at, other.decided_by = "pending", None, None
    session.delete(row)
    session.flush()
    return _describe(session, other)


def forget_source(session: Session, source: str) -> int:
    """Delete the sightings of one source (an upload being deleted) and the pending candidates nothing
    else supports; returns how many candidates went. Accepted ones stay: they are in the phrase now."""
    session.execute(delete(LearnSighting).where(LearnSighting.source == source))
    orphans = select(LearnCandidate.id).where(
        LearnCandidate.status == "pending",
        ~select(LearnSighting.candidate_id).where(LearnSighting.candidate_id == LearnCandidate.id).exists(),
    )
    ids = list(session.scalars(orphans))
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(LearnCandidate).where(LearnCandidate.id.in_(ids[start : start + CHUNK])))
    return len(ids)


def _most_frequent(counts: dict[str, int]) -> list[str]:
    """Names by count, most first; ties by name."""
    return sorted(counts, key=lambda name: (-counts[name], name))


def _tallies(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, list[str], int]]:
    """Per candidate: total count, up to AGENTS_SHOWN agent names (most frequent first), distinct agents."""
    totals: dict[int, int] = defaultdict(int)
    agents: dict[int, dict[str, int]] = defaultdict(dict)
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(LearnSighting.candidate_id, LearnSighting.agent, func.sum(LearnSighting.count))
            .where(LearnSighting.candidate_id.in_(ids[start : start + CHUNK]))
            .group_by(LearnSighting.candidate_id, LearnSighting.agent)
        )
        for cid, agent, n in rows:
            totals[cid] += int(n)
            if agent:
                agents[cid][agent] = int(n)
    return {cid: (totals[cid], _most_frequent(agents[cid])[:AGENTS_SHOWN], len(agents[cid])) for cid in ids}


def _describe(session: Session, row: LearnCandidate) -> dict[str, Any]:
    count, agents, agent_count = _tallies(session, [row.id])[row.id]
    return {
        "id": row.id,
        "phrase_id": row.phrase_id,
        "message": row.message,
        "status": row.status,
        "count": count,
        "agents": agents,
        "agent_count": agent_count,
        "decided_at": clock.iso(row.decided_at),
        "decided_by": row.decided_by,
    }


def list_candidates(session: Session, *, status: str = "pending", limit: int = 500) -> list[dict[str, Any]]:
    """Candidates grouped by phrase, the phrase with the most sightings first and, in each, the most
    frequent message first: [{phrase: {id, title, intent}, count, candidates: [{id, message, count,
    agents, agent_count, ...}]}]. Candidates of deleted phrases are left out; `limit` caps candidates."""
    total = func.sum(LearnSighting.count)
    rows = session.execute(
        select(LearnCandidate, Phrase.title, Phrase.intent, total.label("n"))
        .join(Phrase, Phrase.id == LearnCandidate.phrase_id)
        .join(LearnSighting, LearnSighting.candidate_id == LearnCandidate.id)
        .where(LearnCandidate.status == status)
        .group_by(LearnCandidate.id, Phrase.title, Phrase.intent)
        .order_by(total.desc(), LearnCandidate.id)
        .limit(limit)
    ).all()
    tallies = _tallies(session, [row.LearnCandidate.id for row in rows])
    groups: dict[str, dict[str, Any]] = {}
    for candidate, title, intent, _ in rows:
        count, agents, agent_count = tallies[candidate.id]
        group = groups.setdefault(
            candidate.phrase_id,
            {"phrase": {"id": candidate.phrase_id, "title": title, "intent": intent}, "count": 0, "candidates": []},
        )
        group["count"] += count
        group["candidates"].append(
            {
                "id": candidate.id,
                "message": candidate.message,
                "status": candidate.status,
                "count": count,
                "agents": agents,
                "agent_count": agent_count,
                "decided_at": clock.iso(candidate.decided_at),
                "decided_by": candidate.decided_by,
            }
        )
    return sorted(groups.values(), key=lambda g: (-g["count"], g["phrase"]["id"]))
