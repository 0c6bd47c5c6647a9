"""outbox: partial indexes on pending rows for the claim

The claim of a 20,000-row broadcast on PostgreSQL spent a quarter of a second per
claim (issue 13): the window of due rows was sorted from the whole table (the old
index stopped before `id`), and the in-flight test of each candidate's chat went
through the status index, a bitmap of every pending row, once per candidate. Both
new indexes cover pending rows only, so they stay as small as the queue.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["priority", "next_attempt_at", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_outbox_pending_chat",
        "outbox",
        ["chat_id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.drop_index("ix_outbox_claim", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_claim", "outbox", ["status", "priority", "next_attempt_at"])
    op.drop_index("ix_outbox_pending_chat", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
