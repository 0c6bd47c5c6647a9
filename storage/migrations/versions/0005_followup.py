"""follow-up items (scheduled sends, exactly once) and staff follow-up tasks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followup_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=8), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ladder_steps", sa.Integer(), nullable=False),
        sa.Column("next_step_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key", name="uq_followup_items_user_key"),
    )
    op.create_index(
        op.f("ix_followup_items_expires_at"), "followup_items", ["expires_at"], unique=False
    )
    op.create_index(
        op.f("ix_followup_items_next_step_at"), "followup_items", ["next_step_at"], unique=False
    )
    op.create_table(
        "followup_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("community_code", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("digested_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["followup_items.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id"),
    )
    op.create_index(op.f("ix_followup_tasks_community_code"), "followup_tasks", ["community_code"])
    op.create_index(op.f("ix_followup_tasks_status"), "followup_tasks", ["status"])
    op.create_index(op.f("ix_followup_tasks_user_id"), "followup_tasks", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_followup_tasks_user_id"), table_name="followup_tasks")
    op.drop_index(op.f("ix_followup_tasks_status"), table_name="followup_tasks")
    op.drop_index(op.f("ix_followup_tasks_community_code"), table_name="followup_tasks")
    op.drop_table("followup_tasks")
    op.drop_index(op.f("ix_followup_items_next_step_at"), table_name="followup_items")
    op.drop_index(op.f("ix_followup_items_expires_at"), table_name="followup_items")
    op.drop_table("followup_items")
