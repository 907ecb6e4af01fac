"""Which neighbourhood needs what: mahalleler ranked by their requests, with their topics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import func, select

from hub.auth import Actor
from hub.models import Request
from hub.report_filter import TZ, ReportFilter
from hub.reports.common import UNKNOWN

TOP_TOPICS = 3  # topics named beside each mahalle on the page and in the ranked sheet


def mahalle_report(db: Any, flt: ReportFilter, *, actor: Actor | None) -> dict[str, Any]:
    """Top-level requests with a known mahalle received in the range, per (ilçe, mahalle),
    ranked by count (ties by ilçe and mahalle name, so pages are stable). Each item has
    ``rank``, ``ilce``, ``mahalle``, ``total``, ``topics`` (every topic, most requested first)
    and ``top_topics`` (the first three as ``[topic, count]``)."""
    flt = flt.for_actor(actor)
    stmt = (
        select(Request.ilce, Request.mahalle, Request.topic, func.count())
        .where(Request.mahalle.is_not(None), Request.parent_id.is_(None))
        .group_by(Request.ilce, Request.mahalle, Request.topic)
    )
    stmt = flt.apply(stmt, actor)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    with db.reader() as session:
        for ilce, mahalle, topic, n in session.exec(stmt):
            key = (ilce or UNKNOWN, mahalle)
            row = rows.setdefault(key, {"ilce": key[0], "mahalle": mahalle, "total": 0, "topics": {}})
            row["total"] += n
            row["topics"][topic or UNKNOWN] = row["topics"].get(topic or UNKNOWN, 0) + n
    items = sorted(rows.values(), key=lambda r: (-r["total"], r["ilce"].casefold(), r["mahalle"].casefold()))
    for rank, row in enumerate(items, 1):
        row["rank"] = rank
        row["topics"] = dict(sorted(row["topics"].items(), key=lambda kv: (-kv[1], kv[0])))
        row["top_topics"] = [[t, n] for t, n in list(row["topics"].items())[:TOP_TOPICS]]
    return {"filter": flt.describe(), "items": items, "total": sum(r["total"] for r in items)}


def mahalle_needs(
    db: Any,
    *,
    since: datetime | None = None,
    ilce: str | None = None,
    limit: int = 500,
    actor: Actor | None = None,
) -> list[dict]:
    """The ranked items of ``mahalle_report`` from ``since`` until today (kept for callers of
    the first version)."""
    today = datetime.now(TZ).date()
    first = since.astimezone(TZ).date() if since else today.replace(year=today.year - 10)
    flt = ReportFilter(first, today, ilce=ilce)
    return mahalle_report(db, flt, actor=actor)["items"][:limit]
