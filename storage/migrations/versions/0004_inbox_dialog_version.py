"""inbox of received updates; dialog version for optimistic concurrency

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("leased_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index(op.f("ix_inbox_person"), "inbox", ["person"], unique=False)
    op.create_index(op.f("ix_inbox_status"), "inbox", ["status"], unique=False)
    op.add_column(
        "dialogs", sa.Column("version", sa.Integer(), nullable=False, server_default="1")
    )


def downgrade() -> None:
    with op.batch_alter_table("dialogs") as batch:
        batch.drop_column("version")
    op.drop_index(op.f("ix_inbox_status"), table_name="inbox")
    op.drop_index(op.f("ix_inbox_person"), table_name="inbox")
    op.drop_table("inbox")
