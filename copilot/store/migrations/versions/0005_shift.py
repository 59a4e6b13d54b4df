"""A whole shift: phrases saved over the rules' objection say so in their history; conversations routed
to agents (tables added below by the routing work).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the error-level problems a lead saved the phrase despite (仍然保存); null when there were none
    with op.batch_alter_table("phrase_history") as batch:
        batch.add_column(sa.Column("overridden", sa.JSON(), nullable=True))
    # routing by agent (#11): which agent holds a conversation, where each agent's sidebars are, and the
    # focus frames SQLite workers read from each other
    op.create_table(
        "conversation_routes",
        sa.Column("conversation", sa.String(128), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("routed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("conversation", name="pk_conversation_routes"),
    )
    op.create_index("ix_conversation_routes_agent_routed_at", "conversation_routes", ["agent", "routed_at"])
    op.create_table(
        "agent_presence",
        sa.Column("worker", sa.String(32), nullable=False),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("conversation", sa.String(128), nullable=False),
        sa.Column("sidebars", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("worker", "agent", "conversation", name="pk_agent_presence"),
    )
    op.create_index("ix_agent_presence_agent", "agent_presence", ["agent"])
    op.create_table(
        "agent_events",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("worker", sa.String(32), nullable=True),
        sa.Column("frame", sa.JSON(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agent_events"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_agent_events_at", "agent_events", ["at"])


def downgrade() -> None:
    op.drop_table("agent_events")
    op.drop_table("agent_presence")
    op.drop_table("conversation_routes")
    with op.batch_alter_table("phrase_history") as batch:
        batch.drop_column("overridden")
