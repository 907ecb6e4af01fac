"""Call-centre figures: calls per day, first-contact resolutions, call-backs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import func, select

from hub.auth import Actor, PermissionDenied
from hub.models import Request
from hub.queries.scope import department_scoped, visible_requests


def call_volume(db: Any, *, since_day: str | None = None, actor: Actor | None = None) -> dict[str, Any]:
    """Calls per day and disposition (all calls, requests or not). Call-centre figures belong
    to no department, so department staff may not read them."""
    if department_scoped(actor):
        raise PermissionDenied("report.calls")
    from hub.models import CallStat

    stmt = select(CallStat.day, CallStat.disposition, func.sum(CallStat.calls)).group_by(
        CallStat.day, CallStat.disposition
    )
    if since_day:
        stmt = stmt.where(CallStat.day >= since_day)
    days: dict[str, dict[str, int]] = {}
    with db.reader() as session:
        for day, disposition, n in session.exec(stmt):
            days.setdefault(day, {})[disposition] = int(n or 0)
    return {"days": days, "total": sum(sum(d.values()) for d in days.values())}


def first_contact_resolutions(
    db: Any, *, since: datetime | None = None, actor: Actor | None = None
) -> dict[str, Any]:
    """Calls closed on first contact from the knowledge base ("İlk temasta çözüldü"), by topic
    and by agent; department staff count their own department's only."""
    from hub.actions.knowledge import FCR_EVENT
    from hub.models import Event, User

    stmt = (
        select(Request.topic, Event.actor, func.count())
        .select_from(Event)
        .join(Request, Request.id == Event.request_id)
        .where(Event.kind == FCR_EVENT)
        .group_by(Request.topic, Event.actor)
    )
    stmt = visible_requests(stmt, actor)
    if since:
        stmt = stmt.where(Event.created_at >= since)
    by_topic: dict[str, int] = {}
    by_agent: dict[str, int] = {}
    with db.reader() as session:
        names = {f"user:{u.id}": u.display_name for u in session.exec(select(User))}
        for topic, who, n in session.exec(stmt):
            by_topic[topic or "belirsiz"] = by_topic.get(topic or "belirsiz", 0) + n
            name = names.get(who, who)
            by_agent[name] = by_agent.get(name, 0) + n
    order = lambda d: dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))  # noqa: E731
    return {"total": sum(by_topic.values()), "by_topic": order(by_topic), "by_agent": order(by_agent)}
