"""the Q&A recording: each speaker's choice about being recorded live, and the recording itself

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STATES = ("recording", "processing", "ready", "empty", "failed")


def upgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_live", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "qa_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_session_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                *STATES,
                name="qa_recording_state",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("media", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("pieces", sa.JSON(), nullable=False),
        sa.Column("error", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["country_session_id"],
            ["country_sessions.id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("country_session_id"),
    )


def downgrade() -> None:
    op.drop_table("qa_recordings")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_column("record_live")
