"""Migration 0006a: rule versions get a comment column, and versions saved from the browser with CRLF
line endings get LF texts, their digests and diffs that show only the lines really changed."""

from __future__ import annotations

import difflib
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from hub.db import alembic_config
from hub.rules.text import version_diff

ROOT = Path(__file__).resolve().parent.parent


def changed(diff: str) -> list[str]:
    return [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_crlf_versions_get_lf_texts_and_one_line_diffs(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0005e")
    v1 = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    v2 = v1.replace("  review_threshold: 0.55\n", "  review_threshold: 0.6\n", 1)
    v3 = v2.replace("  sla_warn_fraction: 0.8\n", "  sla_warn_fraction: 0.75\n", 1)
    assert v1 != v2 != v3
    # As the hub stored them before: v1 from the file (LF); v2 and v3 saved in a browser (CRLF), with
    # diffs in which every line differs.
    v2_crlf, v3_crlf = v2.replace("\n", "\r\n"), v3.replace("\n", "\r\n")

    def old_diff(a: str, b: str) -> str:
        return "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "active", "new"))

    rows = [(v1, old_diff("", v1)), (v2_crlf, old_diff(v1, v2_crlf)), (v3_crlf, old_diff(v2_crlf, v3_crlf))]
    assert len(changed(rows[1][1])) > 600  # the symptom: the whole file removed and added
    engine = create_engine(empty_url)
    with engine.begin() as c:
        for i, (body, diff) in enumerate(rows, 1):
            c.execute(
                text("INSERT INTO rulesversion (digest, text, author, diff, active, created_at) "
                     "VALUES (:d, :t, 'user:1', :f, :a, :c)"),
                {"d": hashlib.sha256(body.encode()).hexdigest(), "t": body, "f": diff, "a": i == 3,
                 "c": datetime(2026, 12, i, tzinfo=UTC).replace(tzinfo=None)},
            )  # fmt: skip
    command.upgrade(cfg, "0006a")
    with engine.connect() as c:
        got = c.execute(text("SELECT text, digest, diff, comment FROM rulesversion ORDER BY id")).all()
    engine.dispose()
    assert [r.text for r in got] == [v1, v2, v3]
    assert [r.digest for r in got] == [hashlib.sha256(t.encode()).hexdigest() for t in (v1, v2, v3)]
    assert got[0].diff == rows[0][1]  # an LF version after nothing: left as it was
    assert changed(got[1].diff) == ["-  review_threshold: 0.55", "+  review_threshold: 0.6"]
    assert changed(got[2].diff) == ["-  sla_warn_fraction: 0.8", "+  sla_warn_fraction: 0.75"]
    assert got[1].diff == version_diff(v1, v2)
    assert [r.comment for r in got] == [None, None, None]
    # Back down: the column goes, the LF texts stay.
    command.downgrade(cfg, "0005e")
    engine = create_engine(empty_url)
    assert "comment" not in {col["name"] for col in inspect(engine).get_columns("rulesversion")}
    engine.dispose()
