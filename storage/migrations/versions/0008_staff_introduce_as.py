"""staff choose how the people they look after are told who they are

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("introduce_as", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("introduce_as")
