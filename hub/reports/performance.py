"""Department performance: volume, answers, on-time rate, time to answer, reopened."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, func, type_coerce
from sqlmodel import select

from hub.auth import Actor
from hub.models import OPEN_STATUSES, Department, Event, Request, Status
from hub.report_filter import ReportFilter
from hub.reports.common import TZ, hours, percentile, rate

# A request is reopened when its status leaves answered / closed for a working status. The
# call-back task does this too ("callback pending": the answer has not reached the citizen
# yet), which is the hub taking back its own "answered", not a reopening.
_REOPEN_FROM = (Status.answered.value, Status.closed.value)
_REOPEN_TO = tuple(s.value for s in OPEN_STATUSES)
_NOT_A_REOPEN = "callback pending"
_OPEN = {s.value for s in OPEN_STATUSES}


def department_performance(
    db: Any, flt: ReportFilter, *, actor: Actor | None, by_month: bool = False, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Per department (and per Istanbul calendar month of ``received_at`` when ``by_month``),
    over the top-level requests (``parent_id`` is null; merged duplicates are not counted
    twice) received in the filter's range, narrowed to what ``actor`` may see:

    - ``volume``: requests received.
    - ``answered``: the citizen got an answer: ``answered_at`` is set (reply, letter, return to
      CİMER/MBS, first-contact resolution, call-back reached), or the request was closed
      (then ``closed_at`` is the answer time). A request waiting for its call-back is not answered.
    - ``on_time`` / ``late`` / ``on_time_rate``: only requests *with* a deadline count. On time:
      answered at or before ``due_at`` (which already includes the time the clock was paused
      for the citizen). Late: answered after ``due_at``, or still open with ``due_at`` before
      ``now``. Requests with no deadline (``no_deadline``) and open requests whose deadline
      has not come are in neither, so an unanswered, overdue request lowers the rate instead
      of hiding from it. ``on_time_rate`` = on_time / (on_time + late), a fraction 0..1, or
      None when nothing counts yet.
    - ``median_hours`` / ``p90_hours``: hours from ``received_at`` to the answer over the
      answered requests, linear interpolation between ranks (as PostgreSQL's
      ``percentile_cont``), one decimal; None when nothing was answered.
    - ``reopened``: requests that were reopened at least once (a ``request.status`` event from
      answered / closed to a working status, not counting the call-back task's own).

    Rows are ordered by department name (unrouted requests last, ``department`` None), then month.
    """
    rows = _performance(db, flt, actor=actor, now=now, keys=("month",) if by_month else ("department",))
    return rows["month" if by_month else "department"]


def performance_report(
    db: Any, flt: ReportFilter, *, actor: Actor | None, now: datetime | None = None
) -> dict[str, Any]:
    """The department performance page and its exports: ``departments`` (as
    ``department_performance``), ``months`` (per department and month) and ``total`` (the
    whole range, the percentiles over every answer, not an average of departments)."""
    rows = _performance(db, flt, actor=actor, now=now, keys=("department", "month", "total"))
    return {"filter": flt.for_actor(actor).describe(), "departments": rows["department"], "months": rows["month"],
            "total": rows["total"][0] if rows["total"] else _row(None, None, None, _group(), False)}  # fmt: skip


def _group() -> dict[str, Any]:
    return {"volume": 0, "answered": 0, "on_time": 0, "late": 0, "no_deadline": 0, "reopened": 0, "_secs": []}


def _row(
    dept: str | None, month: str | None, names: dict | None, g: dict[str, Any], by_month: bool
) -> dict[str, Any]:
    secs = sorted(g.pop("_secs"))
    row: dict[str, Any] = {
        "department": dept,
        "department_name": (names or {}).get(dept, dept) if dept else None,
    }
    if by_month:
        row["month"] = month
    row.update(g)
    row["on_time_rate"] = rate(g["on_time"], g["on_time"] + g["late"])
    row["median_hours"] = hours(percentile(secs, 0.5))
    row["p90_hours"] = hours(percentile(secs, 0.9))
    return row


def _months(flt: ReportFilter) -> tuple[list[datetime], list[str]]:
    """Naive UTC starts of the Istanbul calendar months the range touches, and their labels."""
    starts, labels = [], []
    day = flt.first_day.replace(day=1)
    while day <= flt.last_day:
        starts.append(datetime(day.year, day.month, 1, tzinfo=TZ).astimezone(UTC).replace(tzinfo=None))
        labels.append(f"{day.year:04d}-{day.month:02d}")
        day = (day + timedelta(days=32)).replace(day=1)
    return starts, labels


def _performance(
    db: Any, flt: ReportFilter, *, actor: Actor | None, now: datetime | None, keys: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    """One pass over the requests, grouped at once per department, per department and month
    and/or in total (``keys``)."""
    flt = flt.for_actor(actor)
    now_naive = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    # naive UTC as stored: 64,000 rows skip four time-zone conversions each (bench/report_export.py)
    received_c, answered_c, closed_c, due_c = (type_coerce(c, DateTime()) for c in (
        Request.received_at, Request.answered_at, Request.closed_at, Request.due_at))  # fmt: skip
    stmt = select(
        Request.id, Request.department, received_c, answered_c, closed_c, due_c, Request.status
    ).where(Request.parent_id.is_(None))
    stmt = flt.apply(stmt, actor)
    reopen = (
        select(Event.request_id)
        .join(Request, Request.id == Event.request_id)
        .where(
            Event.kind == "request.status",
            Request.parent_id.is_(None),
            Event.data["before"].as_string().in_(_REOPEN_FROM),
            Event.data["after"].as_string().in_(_REOPEN_TO),
            func.coalesce(Event.data["reason"].as_string(), "") != _NOT_A_REOPEN,
        )
        .distinct()
    )
    reopen = flt.apply(reopen, actor)
    starts, labels = _months(flt)
    groups: dict[str, dict[tuple[str | None, str | None], dict[str, Any]]] = {k: {} for k in keys}
    with db.reader() as session:
        reopened = set(session.exec(reopen))
        names = dict(session.exec(select(Department.code, Department.name)).all())
        for rid, dept, received, answered_at, closed_at, due, status in session.exec(stmt):
            answer = answered_at or (closed_at if status == Status.closed else None)
            secs = None if answer is None else max(0.0, (answer - received).total_seconds())
            if due is None:
                deadline = "no_deadline"
            elif answer is not None:
                deadline = "on_time" if answer <= due else "late"
            else:
                deadline = "late" if status in _OPEN and due < now_naive else None
            again = rid in reopened
            for key in keys:
                if key == "total":
                    gkey: tuple[str | None, str | None] = (None, None)
                elif key == "month":
                    gkey = (dept, labels[bisect_right(starts, received) - 1])
                else:
                    gkey = (dept, None)
                g = groups[key].get(gkey)
                if g is None:
                    g = groups[key][gkey] = _group()
                g["volume"] += 1
                g["reopened"] += again
                if secs is not None:
                    g["answered"] += 1
                    g["_secs"].append(secs)
                if deadline:
                    g[deadline] += 1
    out: dict[str, list[dict[str, Any]]] = {}
    for key, grouped in groups.items():
        rows = [_row(d, m, names, g, key == "month") for (d, m), g in grouped.items()]
        rows.sort(
            key=lambda r: (
                r["department"] is None,
                (r["department_name"] or "").casefold(),
                r.get("month") or "",
            )
        )
        out[key] = rows
    return out
