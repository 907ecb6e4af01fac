"""pushsubscription, pushpreference, appactionkey: the phone app's Web Push and offline actions

Revision ID: 0006p
Revises: 0006i
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0006p"
down_revision = "0006i"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pushsubscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("endpoint", sa.String(), nullable=False, unique=True),
        sa.Column("p256dh", sa.String(), nullable=False),
        sa.Column("auth", sa.String(), nullable=False),
        sa.Column("user_agent", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_pushsubscription_user_id", "pushsubscription", ["user_id"])
    op.create_table(
        "pushpreference",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), primary_key=True),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("escalation", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "appactionkey",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("request.id"), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_appactionkey_request_id", "appactionkey", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_appactionkey_request_id", table_name="appactionkey")
    op.drop_table("appactionkey")
    op.drop_table("pushpreference")
    op.drop_index("ix_pushsubscription_user_id", table_name="pushsubscription")
    op.drop_table("pushsubscription")
