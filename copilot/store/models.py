"""SQLAlchemy models: groups, phrases, shop rules, their history, stats events, the version counters, the
shared conversation state and learning; the account tables are in copilot.auth.models (both on store.base.Base)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copilot.store.base import Base


class Group(Base):
    """A phrase group (售前/售中/售后); the names are the contract in copilot.suggest.intents.GROUPS."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Phrase(Base):
    """One canned reply."""

    __tablename__ = "phrases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(32), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    # Stored lower-cased, so the unique constraint is the case-insensitive one agents expect.
    shortcut: Mapped[str | None] = mapped_column(String(20), unique=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    group: Mapped[Group] = relationship(lazy="joined")


class HistoryColumns:
    """What every versioned history table keeps of one change (copilot/store/history.py writes them): the
    item before and after, as JSON, so a row outlives the item and any version can be restored."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(10))  # create / update / delete / restore
    version: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str | None] = mapped_column(String(64))  # the account name; None for the seed and the CLI


class PhraseHistory(HistoryColumns, Base):
    """One change to a phrase; kept after the phrase is deleted."""

    __tablename__ = "phrase_history"

    phrase_id: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(20))  # api / import / cli / seed / learn
    # the error-level problems the lead saved the phrase despite (仍然保存), null when there were none
    overridden: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)


class StoreMeta(Base):
    """The single row (id 1) workers poll to learn the phrasebank changed, and the seed guard."""

    __tablename__ = "store_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phrasebank_version: Mapped[int] = mapped_column(Integer, default=0)
    seeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on every committed shop-rule or override change; workers rebuild their linter when it moves.
    rules_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ShopRule(Base):
    """A rule a team lead added for this shop (forbid / substitute / allow / regex), layered over rules/."""

    __tablename__ = "shop_rules"
    __table_args__ = (UniqueConstraint("kind", "term", name="uq_shop_rules_kind_term"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    term: Mapped[str] = mapped_column(String(200))  # the pattern, for regex rules
    replacements: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(10), default="all")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))


class RuleOverride(Base):
    """A default rule (from rules/) switched off, or back on, for this shop."""

    __tablename__ = "rule_overrides"

    rule_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))


class RuleHistory(HistoryColumns, Base):
    """One change to a shop rule or to a default rule's switch; kept after deletes."""

    __tablename__ = "rule_history"

    rule_id: Mapped[str] = mapped_column(String(80), index=True)


class Event(Base):
    """One `used` or `sent` from a sidebar, for the lead's stats; message text only when a setting asks."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_day_kind", "day", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date)  # the shop's local day, so stats group without time-zone SQL
    kind: Mapped[str] = mapped_column(String(8))  # used / sent
    agent: Mapped[str | None] = mapped_column(String(64))
    phrase_id: Mapped[str | None] = mapped_column(String(40))
    conversation: Mapped[str | None] = mapped_column(String(16))  # sha256 prefix, never the platform's id
    verdict: Mapped[str | None] = mapped_column(String(8))
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply_ms: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)


class ConversationTurn(Base):
    """One message of a conversation, shared by every worker; a push also keeps the frame it was sent as."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        Index("ix_conversation_turns_conversation_id", "conversation", "id"),
        Index("ix_conversation_turns_client_at", "client", "at"),
        # "does this client already write to this conversation": without it the check walked every turn
        # the client (one address behind a NAT: a whole team) wrote in the idle window, per message.
        Index("ix_conversation_turns_conversation_client", "conversation", "client", "at"),
        Index("ix_conversation_turns_at", "at"),
        # Ids never come back after deletes: SQLite workers read new pushes as "id above the last one seen".
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation: Mapped[str] = mapped_column(String(128))  # the chat platform's id, as pushed
    role: Mapped[str] = mapped_column(String(8))  # customer / agent
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[float] = mapped_column(Float)  # Unix seconds
    client: Mapped[str | None] = mapped_column(String(80))  # agent:<name> or ip:<address>; None for the platform
    worker: Mapped[str | None] = mapped_column(String(32))  # the worker that wrote it (it delivered it itself)
    frame: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the watching sidebars get, pushes only


class ConversationWatcher(Base):
    """How many sidebars on one worker watch a conversation; rows not refreshed for a while belong to a dead worker."""

    __tablename__ = "conversation_watchers"

    worker: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    sidebars: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[float] = mapped_column(Float)  # Unix seconds of the worker's last heartbeat


class ConversationRoute(Base):
    """Which agent holds a conversation: set by a platform push naming the agent, kept for later pushes."""

    __tablename__ = "conversation_routes"
    __table_args__ = (Index("ix_conversation_routes_agent_routed_at", "agent", "routed_at"),)

    conversation: Mapped[str] = mapped_column(String(128), primary_key=True)
    agent: Mapped[str] = mapped_column(String(64))  # a login name or a 工号 (agent_no)
    routed_at: Mapped[float] = mapped_column(Float)  # Unix seconds of the push that last named the agent


class AgentPresence(Base):
    """How many sidebars of one agent a worker holds; like conversation_watchers, refreshed by the worker's
    heartbeat. `conversation` is "" for the agent's total; a row with a conversation counts those of the
    agent's sidebars that also watch it, so `delivered` can count a sidebar that is both only once."""

    __tablename__ = "agent_presence"
    __table_args__ = (Index("ix_agent_presence_agent", "agent"),)

    worker: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation: Mapped[str] = mapped_column(String(128), primary_key=True)
    sidebars: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[float] = mapped_column(Float)  # Unix seconds of the worker's last heartbeat


class AgentEvent(Base):
    """A frame for every sidebar of one agent (focus), as a log SQLite workers poll; PostgreSQL and Redis
    carry these on their bus instead. Swept after a minute."""

    __tablename__ = "agent_events"
    __table_args__ = (Index("ix_agent_events_at", "at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(String(64))
    worker: Mapped[str | None] = mapped_column(String(32))  # the worker that delivered it itself
    frame: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[float] = mapped_column(Float)  # Unix seconds


class LearnCandidate(Base):
    """A customer message (masked) proposed as an example question of a phrase, from agents' use of the
    phrase or from an imported chat log. One row per phrase and normalised message; a rejected one stays,
    so the same message is never proposed for that phrase again."""

    __tablename__ = "learn_candidates"
    __table_args__ = (UniqueConstraint("phrase_id", "message_key", name="uq_learn_candidates_phrase_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phrase_id: Mapped[str] = mapped_column(String(40), index=True)
    message: Mapped[str] = mapped_column(String(200))  # masked, as first seen
    message_key: Mapped[str] = mapped_column(String(64))  # copilot.learn.keys.message_key
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / accepted / rejected
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))


class LearnSighting(Base):
    """How often one agent chose a candidate's phrase for its message, per source: "use" (the sidebar) or
    the id of the chat-log upload it was mined from, so deleting an upload deletes what it contributed."""

    __tablename__ = "learn_sightings"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("learn_candidates.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    agent: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" when the sidebar had no agent
    count: Mapped[int] = mapped_column(Integer, default=0)


class LearnUpload(Base):
    """One chat-log upload and its mining job: queued → running → done / failed / cancelled. A running
    job's worker renews `lease_until`; a job whose lease ran out (its worker died) is run again from the
    start, since its results are written in one transaction with its end."""

    __tablename__ = "learn_uploads"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)  # customer messages to mine
    done: Mapped[int] = mapped_column(Integer, default=0)  # of them mined so far
    messages: Mapped[int] = mapped_column(Integer, default=0)  # rows in the file
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    candidates: Mapped[int] = mapped_column(Integer, default=0)  # sightings found, when done
    gaps: Mapped[int] = mapped_column(Integer, default=0)  # clusters found, when done
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[float | None] = mapped_column(Float)  # Unix seconds
    cancel: Mapped[bool] = mapped_column(Boolean, default=False)  # asked to stop; the job stops at its next batch
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # claims (jobs.MAX_ATTEMPTS)


class LearnTurn(Base):
    """One message of an upload, masked, waiting to be mined; deleted when mining ends unless
    COPILOT_LEARN_KEEP_TEXT is on."""

    __tablename__ = "learn_turns"
    __table_args__ = (Index("ix_learn_turns_upload_id", "upload_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("learn_uploads.id", ondelete="CASCADE"))
    conversation: Mapped[str] = mapped_column(String(128))
    at: Mapped[float] = mapped_column(Float)  # Unix seconds (0 when the file gave no time)
    role: Mapped[str] = mapped_column(String(8))  # customer / agent
    agent: Mapped[str | None] = mapped_column(String(64))  # the agent column, when the file has one
    text: Mapped[str] = mapped_column(Text)  # masked


class LearnGap(Base):
    """A cluster of near-duplicate customer questions from an upload that no phrase answers, with the
    agents' most common reply to them."""

    __tablename__ = "learn_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("learn_uploads.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # the message_key of its most frequent question
    count: Mapped[int] = mapped_column(Integer)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)  # up to five, most frequent first
    reply: Mapped[str | None] = mapped_column(Text)  # masked
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)  # a lead made a phrase of it, or waved it off
