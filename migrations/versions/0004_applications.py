"""applications, consent and per-speaker deadlines

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
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
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "cso",
                "nhri",
                "coalition",
                name="organisation_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "scope",
            sa.Enum(
                "national",
                "international",
                name="scope",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("organisation_country", sa.String(length=2), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "application_sessions",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("country_session_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "pending",
                "accepted",
                "waitlisted",
                "rejected",
                name="decision",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["country_session_id"], ["country_sessions.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("application_id", "country_session_id"),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "scope",
                sa.Enum(
                    "national",
                    "international",
                    name="scope",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                nullable=True,
            )
        )

    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "publication",
                sa.Enum(
                    "public",
                    "participants",
                    "none",
                    name="consent",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                server_default="none",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("show_speaker_name", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("deadline", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_column("deadline")
        batch_op.drop_column("show_speaker_name")
        batch_op.drop_column("publication")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("scope")

    op.drop_table("application_sessions")
    op.drop_table("applications")
