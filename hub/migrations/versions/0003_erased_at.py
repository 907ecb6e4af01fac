"""contact.erased_at, request.erased_at: personal data erased under KVKK

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contact", sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.add_column("request", sa.Column("erased_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in ("request", "contact"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("erased_at")
