"""search_text: a folded, Turkish-insensitive search column on requests (pg_trgm index on PostgreSQL);
knowledge base entries, canned replies, and the entry a request was closed with on first contact

Revision ID: 0005b
Revises: 0005a
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0005b"
down_revision = "0005a"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("kb_entry_id", sa.Integer(), nullable=True))
    _backfill()
    op.create_table(
        "kbentry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=True),
    )
    op.create_index("ix_kbentry_topic", "kbentry", ["topic"])
    op.create_table(
        "cannedreply",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("shortcut", sa.String(), nullable=False, unique=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=True),
    )
    op.create_index("ix_cannedreply_topic", "cannedreply", ["topic"])
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm ships with postgresql-contrib and is a trusted extension (the database owner may create it).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_request_search_trgm ON request USING gin (search_text gin_trgm_ops)")


def _backfill() -> None:
    from types import SimpleNamespace

    from hub.search_text import request_search_text

    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT r.id, r.subject, r.text, r.tracking_code, c.name, c.email, c.phone FROM request r "
                "LEFT JOIN contact c ON c.id = r.contact_id WHERE r.id > :last ORDER BY r.id LIMIT :n"
            ),
            {"last": last, "n": _BATCH},
        ).all()
        if not rows:
            return
        conn.execute(
            sa.text("UPDATE request SET search_text = :s WHERE id = :id"),
            [
                {"id": rid, "s": request_search_text(subject=subject, text=body, tracking_code=code,
                                                     contact=SimpleNamespace(name=name, email=email, phone=phone))}
                for rid, subject, body, code, name, email, phone in rows
            ],
        )  # fmt: skip
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("cannedreply")
    op.drop_table("kbentry")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_request_search_trgm")
    with op.batch_alter_table("request") as batch:
        batch.drop_column("kb_entry_id")
        batch.drop_column("search_text")
