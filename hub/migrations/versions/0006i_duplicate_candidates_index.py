"""request (mahalle, topic, received_at) index: intake's duplicate search fetches a batch's
candidates (open requests of the same place and topic in the window) with one indexed query

Revision ID: 0006i
Revises: 0006a
Create Date: 2026-12-08
"""

from alembic import op

revision = "0006i"
down_revision = "0006a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_request_dup_candidates", "request", ["mahalle", "topic", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_request_dup_candidates", table_name="request")
