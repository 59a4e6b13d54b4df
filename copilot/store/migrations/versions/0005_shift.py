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


def downgrade() -> None:
    with op.batch_alter_table("phrase_history") as batch:
        batch.drop_column("overridden")
