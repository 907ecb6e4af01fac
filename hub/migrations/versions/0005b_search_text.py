"""search_text: a folded, Turkish-insensitive search column on requests (pg_trgm index on PostgreSQL)

Revision ID: 0005b
Revises: 0004
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0005b"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    _backfill()
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_request_search_trgm")
    with op.batch_alter_table("request") as batch:
        batch.drop_column("search_text")
