"""outbox ordering (after_id, chat index); who contacted and who escalated an alert

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("after_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_outbox_chat_id"), "outbox", ["chat_id"], unique=False)
    op.add_column("alerts", sa.Column("contacted_by", sa.BigInteger(), nullable=True))
    op.add_column(
        "alerts",
        sa.Column("contacted_at", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("alerts", sa.Column("escalated_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("escalated_by")
        batch.drop_column("contacted_at")
        batch.drop_column("contacted_by")
    op.drop_index(op.f("ix_outbox_chat_id"), table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("after_id")
