"""places gain optional English name, address and notes

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = (("name_en", 200), ("address_en", 300), ("notes_en", 500))


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("places", sa.Column(name, sa.String(length=length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("places") as batch:
        for name, _length in COLUMNS:
            batch.drop_column(name)
