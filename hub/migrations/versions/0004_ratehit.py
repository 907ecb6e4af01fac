"""ratehit: rate limits shared by all hub processes (web form, status page)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratehit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bucket", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_ratehit_bucket_key_at", "ratehit", ["bucket", "key", "at"])


def downgrade() -> None:
    op.drop_index("ix_ratehit_bucket_key_at", table_name="ratehit")
    op.drop_table("ratehit")
