"""requestclaim and requestview: claim leases and who has a request open (live workspace)

Revision ID: 0005a
Revises: 0004
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0005a"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "requestclaim",
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("request.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_requestclaim_user_id", "requestclaim", ["user_id"])
    op.create_index("ix_requestclaim_until", "requestclaim", ["until"])
    op.create_table(
        "requestview",
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("request.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("requestview")
    op.drop_index("ix_requestclaim_until", table_name="requestclaim")
    op.drop_index("ix_requestclaim_user_id", table_name="requestclaim")
    op.drop_table("requestclaim")
