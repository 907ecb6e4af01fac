"""The SLA watcher: warn at 80 % of the time, escalate on a breach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import select

from hub.actions import requests as ra
from hub.api.views import sla_state
from hub.auth import SYSTEM_SLA
from hub.models import Request, utcnow
from hub.queries.requests import is_open
from hub.workers.periodic import every


def candidates(now: datetime, batch: int) -> Any:
    """Open requests with a deadline, neither paused nor breached yet, not yet warned or late:
    on PostgreSQL the partial index ``ix_request_sla_open`` holds exactly the first four
    conditions, so a pass reads the open requests only, not every finished one."""
    return (
        select(Request)
        .where(
            Request.due_at.is_not(None),
            Request.sla_breached_at.is_(None),
            Request.sla_paused_since.is_(None),
            or_(Request.sla_warned_at.is_(None), Request.due_at < now),
            is_open(),  # inline, so that PostgreSQL proves the partial index also in a cached plan
        )
        .order_by(Request.due_at)
        .limit(batch)
    )


def check_once(hub: Any, *, batch: int = 500) -> dict[str, int]:
    """One pass over open requests with a deadline that are not yet flagged."""
    counts = {"at_risk": 0, "breached": 0}
    now = utcnow()
    with hub.db.session() as session:
        rows = session.exec(candidates(now, batch)).all()
        for req in rows:
            state = sla_state(req, now)
            if state == "breached" or (state == "at_risk" and req.sla_warned_at is None):
                ra.mark_sla(session, SYSTEM_SLA, req, state)
                counts[state] += 1
    return counts


async def run(hub: Any) -> None:
    await every(hub, check_once, hub.settings.sla_check_seconds, "SLA check")
