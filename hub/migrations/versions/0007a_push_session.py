"""pushsubscription.session_hash: the staff UI session a browser's push subscription was
registered from, so that signing out of that session removes it (a shared phone stops
receiving the user's notices). Rows from before stay without one; a sign-out removes those too.

Revision ID: 0007a_push_session
Revises: 0006q
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0007a_push_session"
down_revision = "0006q"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pushsubscription") as batch:
        batch.add_column(sa.Column("session_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_pushsubscription_session_hash", "pushsubscription", ["session_hash"])


def downgrade() -> None:
    op.drop_index("ix_pushsubscription_session_hash", table_name="pushsubscription")
    with op.batch_alter_table("pushsubscription") as batch:
        batch.drop_column("session_hash")
