"""Open requests per department by deadline state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case
from sqlmodel import func, select

from hub.auth import Actor
from hub.models import OPEN_STATUSES, Request
from hub.queries.scope import visible_requests
from hub.report_filter import ReportFilter


def deadlines_by_department(
    db: Any, *, now: datetime | None = None, actor: Actor | None = None, flt: ReportFilter | None = None
) -> list[dict[str, Any]]:
    """Open requests per department by deadline state, for supervisors: overdue first.
    ``gecikmis`` the deadline passed, ``riskli`` warned at 80 %, ``bekletilen`` the clock is
    paused (waiting on the citizen), ``suresiz`` no deadline; ``en_eski_gecikme`` the oldest
    passed deadline. A snapshot of what is open now: ``flt`` narrows it by ilçe, mahalle,
    department and channel, but its date range does not apply (an old overdue request is the
    one a supervisor must see)."""
    now = now or datetime.now(UTC)
    open_ = [s.value for s in OPEN_STATUSES]
    state = case(
        (Request.sla_paused_since.is_not(None), "bekletilen"),
        (Request.due_at.is_(None), "suresiz"),
        (Request.due_at < now, "gecikmis"),
        (Request.sla_warned_at.is_not(None), "riskli"),
        else_="zamaninda",
    )
    stmt = (
        select(Request.department, state, func.count(), func.min(Request.due_at))
        .where(Request.status.in_(open_), Request.parent_id.is_(None))
        .group_by(Request.department, state)
    )
    stmt = flt.for_actor(actor).apply(stmt, actor, dated=False) if flt else visible_requests(stmt, actor)
    rows: dict[str, dict[str, Any]] = {}
    with db.reader() as session:
        for dept, st, n, oldest in session.exec(stmt):
            row = rows.setdefault(dept or "", {
                "department": dept, "acik": 0, "gecikmis": 0, "riskli": 0, "zamaninda": 0, "bekletilen": 0,
                "suresiz": 0, "en_eski_gecikme": None,
            })  # fmt: skip
            row[st] += n
            row["acik"] += n
            if st == "gecikmis":
                row["en_eski_gecikme"] = oldest.isoformat() if oldest else None
    return sorted(rows.values(), key=lambda r: (-r["gecikmis"], -r["riskli"], -r["acik"]))
