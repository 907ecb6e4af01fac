"""Call-centre figures: calls per day, first-contact resolutions, call-backs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import func, select

from hub.auth import Actor, PermissionDenied
from hub.models import Department, Request
from hub.queries.scope import department_scoped
from hub.report_filter import ReportFilter
from hub.reports.common import TZ, UNKNOWN, hours, percentile


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


def _user_names(session: Any) -> dict[str, str]:
    from hub.models import User

    return {f"user:{uid}": name for uid, name in session.exec(select(User.id, User.display_name))}


def _ordered(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def fcr_report(db: Any, flt: ReportFilter, *, actor: Actor | None) -> dict[str, Any]:
    """Calls closed on first contact from the knowledge base ("İlk temasta çözüldü") in the
    range (the day of the closing, Istanbul time), by topic, by agent and by day; filtered by
    the request's ilçe, mahalle, department and channel, within the reader's scope."""
    from hub.actions.knowledge import FCR_EVENT
    from hub.models import Event

    flt = flt.for_actor(actor)
    stmt = (
        select(Request.topic, Event.actor, Event.created_at)
        .select_from(Event)
        .join(Request, Request.id == Event.request_id)
        .where(Event.kind == FCR_EVENT)
    )
    stmt = flt.apply(stmt, actor, date_column=Event.created_at)
    by_topic: dict[str, int] = {}
    by_agent: dict[str, int] = {}
    by_day: dict[str, int] = {}
    with db.reader() as session:
        names = _user_names(session)
        for topic, who, when in session.exec(stmt):
            topic = topic or UNKNOWN
            by_topic[topic] = by_topic.get(topic, 0) + 1
            name = names.get(who, who)
            by_agent[name] = by_agent.get(name, 0) + 1
            day = when.astimezone(TZ).date().isoformat()
            by_day[day] = by_day.get(day, 0) + 1
    return {"filter": flt.describe(), "total": sum(by_topic.values()), "by_topic": _ordered(by_topic),
            "by_agent": _ordered(by_agent), "by_day": dict(sorted(by_day.items()))}  # fmt: skip


def first_contact_resolutions(
    db: Any, *, since: datetime | None = None, actor: Actor | None = None, flt: ReportFilter | None = None
) -> dict[str, Any]:
    """``fcr_report`` for ``flt``, or from ``since`` until today (kept for the first callers)."""
    if flt is None:
        today = datetime.now(TZ).date()
        flt = ReportFilter(since.astimezone(TZ).date() if since else date(2000, 1, 1), today)
    return fcr_report(db, flt, actor=actor)


CALLBACK_COUNTS = ("tasks", "calls", "reached", "not_reached", "wrong_number", "cancelled", "open", "overdue")


def callbacks_report(
    db: Any, flt: ReportFilter, *, actor: Actor | None, now: datetime | None = None
) -> dict[str, Any]:
    """Call-backs (``hub.models_callbacks``) whose attempt was scheduled in the range, per
    department, per agent and per Istanbul day. ``tasks``: first attempts (one per answer to
    read out); ``calls``: attempts made (reached + not_reached + wrong_number); ``open`` still
    to call, ``overdue`` of those past their due time; ``cancelled`` (e.g. KVKK erasure).
    ``median_hours``: from the first attempt's scheduling to the call that reached the citizen."""
    from hub.models_callbacks import Callback

    flt = flt.for_actor(actor)
    now = now or datetime.now(UTC)
    stmt = (
        select(
            Callback.request_id,
            Callback.attempt,
            Callback.status,
            Callback.outcome,
            Callback.created_at,
            Callback.due_at,
            Callback.done_at,
            Callback.done_by,
            Request.department,
        )  # fmt: skip
        .select_from(Callback)
        .join(Request, Request.id == Callback.request_id)
        .order_by(Callback.request_id, Callback.id)
    )
    stmt = flt.apply(stmt, actor, date_column=Callback.created_at)
    zero = dict.fromkeys(CALLBACK_COUNTS, 0)
    by_dept: dict[str, dict[str, Any]] = {}
    by_agent: dict[str, dict[str, int]] = {}
    by_day: dict[str, dict[str, int]] = {}
    total = {**zero, "_secs": []}
    first_of: dict[int, datetime] = {}  # request -> when its current chain's first attempt was made
    with db.reader() as session:
        names = _user_names(session)
        dept_names = dict(session.exec(select(Department.code, Department.name)).all())
        for rid, attempt, status, outcome, created, due, done_at, done_by, dept in session.exec(stmt):
            if attempt == 1:
                first_of[rid] = created
            d = by_dept.setdefault(dept or "", {**zero, "_secs": []})
            day = by_day.setdefault(created.astimezone(TZ).date().isoformat(), dict(zero))
            for bucket in (d, day, total):
                bucket["tasks"] += attempt == 1
                bucket["open"] += status == "open"
                bucket["overdue"] += status == "open" and due < now
                bucket["cancelled"] += status == "cancelled"
                if outcome:
                    bucket["calls"] += 1
                    bucket[outcome] += 1
            if outcome:
                agent = by_agent.setdefault(names.get(done_by or "", done_by or "—"),
                                            {"calls": 0, "reached": 0, "not_reached": 0, "wrong_number": 0})  # fmt: skip
                agent["calls"] += 1
                agent[outcome] += 1
            if outcome == "reached" and done_at is not None:
                secs = max(0.0, (done_at - first_of.get(rid, created)).total_seconds())
                d["_secs"].append(secs)
                total["_secs"].append(secs)

    def finish(b: dict[str, Any]) -> dict[str, Any]:
        secs = sorted(b.pop("_secs"))
        return {**b, "median_hours": hours(percentile(secs, 0.5))}

    departments = [{"department": k or None, "department_name": dept_names.get(k, k) if k else None, **finish(v)}
                   for k, v in by_dept.items()]  # fmt: skip
    departments.sort(key=lambda r: (r["department"] is None, (r["department_name"] or "").casefold()))
    agents = sorted(({"agent": k, **v} for k, v in by_agent.items()), key=lambda r: (-r["calls"], r["agent"]))
    return {"filter": flt.describe(), "total": finish(total), "departments": departments, "agents": agents,
            "days": [{"day": k, **v} for k, v in sorted(by_day.items())]}  # fmt: skip
