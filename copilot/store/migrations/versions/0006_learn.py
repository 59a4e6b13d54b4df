"""Learning from the team (#12): candidate example questions from use and from chat logs, chat-log
uploads with their masked turns and mining job, and the gaps no phrase answers.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learn_candidates",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("phrase_id", sa.String(40), nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_learn_candidates"),
        sa.UniqueConstraint("phrase_id", "message_key", name="uq_learn_candidates_phrase_id"),
    )
    op.create_index("ix_learn_candidates_phrase_id", "learn_candidates", ["phrase_id"])
    op.create_table(
        "learn_sightings",
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["learn_candidates.id"],
            ondelete="CASCADE",
            name="fk_learn_sightings_candidate_id_learn_candidates",
        ),
        sa.PrimaryKeyConstraint("candidate_id", "source", "agent", name="pk_learn_sightings"),
    )
    op.create_index("ix_learn_sightings_source", "learn_sightings", ["source"])
    op.create_table(
        "learn_uploads",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("gaps", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(32), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("cancel", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_learn_uploads"),
    )
    op.create_index("ix_learn_uploads_status", "learn_uploads", ["status"])
    op.create_table(
        "learn_turns",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("upload_id", sa.String(40), nullable=False),
        sa.Column("conversation", sa.String(128), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["learn_uploads.id"], ondelete="CASCADE", name="fk_learn_turns_upload_id_learn_uploads"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_learn_turns"),
    )
    op.create_index("ix_learn_turns_upload_id", "learn_turns", ["upload_id", "id"])
    op.create_table(
        "learn_gaps",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("upload_id", sa.String(40), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("dismissed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"], ["learn_uploads.id"], ondelete="CASCADE", name="fk_learn_gaps_upload_id_learn_uploads"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_learn_gaps"),
    )
    op.create_index("ix_learn_gaps_upload_id", "learn_gaps", ["upload_id"])


def downgrade() -> None:
    op.drop_table("learn_gaps")
    op.drop_table("learn_turns")
    op.drop_table("learn_uploads")
    op.drop_table("learn_sightings")
    op.drop_table("learn_candidates")
