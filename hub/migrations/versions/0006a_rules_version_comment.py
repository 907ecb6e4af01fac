"""rulesversion.comment: why a supervisor activated a version; stored versions saved with CRLF line
endings (browser textareas) get LF texts, their digests and diffs against the previous version again,
so that their diffs show only the lines that really changed

Revision ID: 0006a
Revises: 0005e
Create Date: 2026-12-07
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0006a"
down_revision = "0005e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rulesversion") as batch:
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
    _normalise_stored_versions()


def _normalise_stored_versions() -> None:
    from hub.rules.text import normalize_newlines, version_diff

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, text, diff FROM rulesversion ORDER BY id")).all()
    previous = ""  # the first version was diffed against nothing, as RulesRuntime stores it
    previous_had_cr = False
    for vid, text, diff in rows:
        text = text or ""
        clean = normalize_newlines(text)
        had_cr = "\r" in text or "\r" in (diff or "")
        if had_cr or previous_had_cr:  # a CR on either side made every line differ
            conn.execute(
                sa.text("UPDATE rulesversion SET text = :t, digest = :d, diff = :f WHERE id = :id"),
                {"t": clean, "d": hashlib.sha256(clean.encode("utf-8")).hexdigest(),
                 "f": version_diff(previous, clean), "id": vid},
            )  # fmt: skip
        previous, previous_had_cr = clean, "\r" in text


def downgrade() -> None:
    # The LF texts stay: they are the same rules, and CRLF diffs are what this revision removed.
    with op.batch_alter_table("rulesversion") as batch:
        batch.drop_column("comment")
