"""the live stage of a country session: live or not, the floor, what Janus last showed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("country_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage_live", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("stage_floor_mission_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("stage_floor_video", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("stage_floor_question_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stage_state", sa.JSON(none_as_null=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_country_sessions_stage_floor_mission_id_missions"),
            "missions",
            ["stage_floor_mission_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("country_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_country_sessions_stage_floor_mission_id_missions"), type_="foreignkey"
        )
        for column in (
            "stage_state",
            "stage_floor_question_id",
            "stage_floor_video",
            "stage_floor_mission_id",
            "stage_live",
        ):
            batch_op.drop_column(column)
