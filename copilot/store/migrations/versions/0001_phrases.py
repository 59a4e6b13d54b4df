"""Groups, phrases, phrase history and the store_meta row.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The groups as they stood when this migration was written; later groups are added when first used.
_GROUPS = ("售前", "售中", "售后")


def upgrade() -> None:
    groups = op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
        sa.UniqueConstraint("name", name="uq_groups_name"),
    )
    op.create_table(
        "phrases",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("shortcut", sa.String(20), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_phrases"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], name="fk_phrases_group_id_groups"),
        sa.UniqueConstraint("shortcut", name="uq_phrases_shortcut"),
    )
    op.create_index("ix_phrases_intent", "phrases", ["intent"])
    op.create_index("ix_phrases_group_id", "phrases", ["group_id"])
    op.create_table(
        "phrase_history",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("phrase_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_phrase_history"),
    )
    op.create_index("ix_phrase_history_phrase_id", "phrase_history", ["phrase_id"])
    meta = op.create_table(
        "store_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phrasebank_version", sa.Integer(), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_store_meta"),
    )
    op.bulk_insert(groups, [{"id": i + 1, "name": name, "position": i} for i, name in enumerate(_GROUPS)])
    op.bulk_insert(meta, [{"id": 1, "phrasebank_version": 0, "seeded_at": None}])


def downgrade() -> None:
    op.drop_table("store_meta")
    op.drop_table("phrase_history")
    op.drop_table("phrases")
    op.drop_table("groups")
