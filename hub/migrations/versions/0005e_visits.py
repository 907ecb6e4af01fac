"""visit, visitrequest: field and mayor's-visit intake

Revision ID: 0005e
Revises: 0005d
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0005e"
down_revision = "0005d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("ilce", sa.String(), nullable=True),
        sa.Column("mahalle", sa.String(), nullable=True),
        sa.Column("attendees", sa.String(), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_visit_held_on", "visit", ["held_on"])
    op.create_table(
        "visitrequest",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visit.id"), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("request.id"), nullable=False, unique=True),
        sa.Column("added_by", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_visitrequest_visit_id", "visitrequest", ["visit_id"])


def downgrade() -> None:
    op.drop_index("ix_visitrequest_visit_id", table_name="visitrequest")
    op.drop_table("visitrequest")
    op.drop_index("ix_visit_held_on", table_name="visit")
    op.drop_table("visit")
