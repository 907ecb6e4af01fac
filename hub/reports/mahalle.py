"""Which neighbourhood needs what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import func, select

from hub.auth import Actor
from hub.models import Request
from hub.queries.scope import visible_requests


def mahalle_needs(
    db: Any,
    *,
    since: datetime | None = None,
    ilce: str | None = None,
    limit: int = 500,
    actor: Actor | None = None,
) -> list[dict]:
    stmt = select(Request.ilce, Request.mahalle, Request.topic, func.count()).where(
        Request.mahalle.is_not(None)
    )
    stmt = visible_requests(stmt, actor)
    if since:
        stmt = stmt.where(Request.received_at >= since)
    if ilce:
        stmt = stmt.where(Request.ilce == ilce)
    stmt = stmt.group_by(Request.ilce, Request.mahalle, Request.topic)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    with db.reader() as session:
        for il, mah, topic, n in session.exec(stmt):
            row = rows.setdefault((il, mah), {"ilce": il, "mahalle": mah, "total": 0, "topics": {}})
            row["total"] += n
            row["topics"][topic or "belirsiz"] = n
    return sorted(rows.values(), key=lambda r: -r["total"])[:limit]
