"""broadcasts; outbox priority lane and broadcast link

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_by", sa.BigInteger(), nullable=True),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("segment", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("send_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column(
        "outbox", sa.Column("priority", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("outbox", sa.Column("broadcast_id", sa.Integer(), nullable=True))
    # Rows already queued take their lane from their kind.
    op.execute(
        "UPDATE outbox SET priority = 0 WHERE kind IN ('alert', 'alert_update', 'alert_edit', "
        "'escalation', 'emergency')"
    )
    op.execute("UPDATE outbox SET priority = 2 WHERE kind LIKE 'broadcast%'")
    op.create_index(op.f("ix_outbox_broadcast_id"), "outbox", ["broadcast_id"], unique=False)
    op.create_index("ix_outbox_claim", "outbox", ["status", "priority", "next_attempt_at"])
    with op.batch_alter_table("outbox") as batch:
        batch.create_foreign_key(
            "fk_outbox_broadcast_id", "broadcasts", ["broadcast_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("fk_outbox_broadcast_id", type_="foreignkey")
    op.drop_index("ix_outbox_claim", table_name="outbox")
    op.drop_index(op.f("ix_outbox_broadcast_id"), table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("broadcast_id")
        batch.drop_column("priority")
    op.drop_table("broadcasts")
