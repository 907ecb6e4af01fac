"""user.ilce / user.mahalle / user.phone: a muhtar account is bound to one mahalle and gets SMS

Revision ID: 0005d
Revises: 0005c
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0005d"
down_revision = "0005c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("ilce", sa.String(), nullable=True))
        batch.add_column(sa.Column("mahalle", sa.String(), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("phone")
        batch.drop_column("mahalle")
        batch.drop_column("ilce")
