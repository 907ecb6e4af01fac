"""callback: call-back tasks for phone answers no SMS could carry; request.return_reason

Revision ID: 0005c
Revises: 0005b
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0005c"
down_revision = "0005b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("request.id"), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=True),
        sa.Column("resume_status", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
    )
    op.create_index("ix_callback_request_id", "callback", ["request_id"])
    op.create_index("ix_callback_status_due", "callback", ["status", "due_at"])
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("return_reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.drop_column("return_reason")
    op.drop_index("ix_callback_status_due", table_name="callback")
    op.drop_index("ix_callback_request_id", table_name="callback")
    op.drop_table("callback")
