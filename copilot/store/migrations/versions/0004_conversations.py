"""Conversation turns and their watchers, shared by every worker and host.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("conversation", sa.String(128), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("client", sa.String(80), nullable=True),
        sa.Column("worker", sa.String(32), nullable=True),
        sa.Column("frame", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_turns"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_conversation_turns_conversation_id", "conversation_turns", ["conversation", "id"])
    op.create_index("ix_conversation_turns_client_at", "conversation_turns", ["client", "at"])
    op.create_index("ix_conversation_turns_conversation_client", "conversation_turns", ["conversation", "client", "at"])
    op.create_index("ix_conversation_turns_at", "conversation_turns", ["at"])
    op.create_table(
        "conversation_watchers",
        sa.Column("worker", sa.String(32), nullable=False),
        sa.Column("conversation", sa.String(128), nullable=False),
        sa.Column("sidebars", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("worker", "conversation", name="pk_conversation_watchers"),
    )
    op.create_index("ix_conversation_watchers_conversation", "conversation_watchers", ["conversation"])


def downgrade() -> None:
    op.drop_table("conversation_watchers")
    op.drop_table("conversation_turns")
