"""Shop rules, default-rule overrides, rule history, the rules version counter and stats events.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("store_meta") as batch:
        batch.add_column(sa.Column("rules_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "shop_rules",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("replacements", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shop_rules"),
        sa.UniqueConstraint("kind", "term", name="uq_shop_rules_kind_term"),
    )
    op.create_table(
        "rule_overrides",
        sa.Column("rule_id", sa.String(80), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("rule_id", name="pk_rule_overrides"),
    )
    op.create_table(
        "rule_history",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("rule_id", sa.String(80), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rule_history"),
    )
    op.create_index("ix_rule_history_rule_id", "rule_history", ["rule_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("phrase_id", sa.String(40), nullable=True),
        sa.Column("conversation", sa.String(16), nullable=True),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("reply_ms", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_day_kind", "events", ["day", "kind"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("rule_history")
    op.drop_table("rule_overrides")
    op.drop_table("shop_rules")
    with op.batch_alter_table("store_meta") as batch:
        batch.drop_column("rules_version")
