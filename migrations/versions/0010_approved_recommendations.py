"""recommendations as a moderator last approved them, beside the speaker's draft

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_draft", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("approved_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("approved_theme", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("approved_previous", sa.String(length=40), nullable=True))
    # The lists of statements approved today are their approved lists.
    op.execute(
        "UPDATE recommendations SET approved_position = position, approved_text = text,"
        " approved_theme = theme, approved_previous = previous"
        " WHERE statement_id IN (SELECT id FROM statements WHERE review = 'approved')"
    )


def downgrade() -> None:
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_column("approved_previous")
        batch_op.drop_column("approved_theme")
        batch_op.drop_column("approved_text")
        batch_op.drop_column("approved_position")
        batch_op.drop_column("in_draft")
