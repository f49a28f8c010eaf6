"""recommendations beside statements, and the missions that intend to raise them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("previous", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recommendations_statement_id", "recommendations", ["statement_id"])
    op.create_table(
        "recommendation_intents",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["recommendation_id"], ["recommendations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["marked_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("recommendation_id", "mission_id"),
    )
    op.create_index(
        "ix_recommendation_intents_mission_id", "recommendation_intents", ["mission_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_recommendation_intents_mission_id", table_name="recommendation_intents")
    op.drop_table("recommendation_intents")
    op.drop_index("ix_recommendations_statement_id", table_name="recommendations")
    op.drop_table("recommendations")
