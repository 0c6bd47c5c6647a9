"""inbox: the request to send again when an update's effects are in but its reply is not

A crash between committing an update's effects and Telegram taking its reply used to
replay the whole update: a typed birth date, already stored, was read again as the
answer to the question that followed it (the child's name). Now the commit also
records the request that was about to go out, and a replay sends that instead.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("resend", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("resend")
