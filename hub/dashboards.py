"""Figures for the supervisors' dashboards (/ui/panolar): intake per day, what each mahalle
needs, agent workload, the review queue and the classifier's accuracy on corrected requests.

Every function takes the shared ``ReportFilter`` and the reader: ``flt.apply`` narrows to what
the reader may see (department staff: their own department), so a dashboard never shows more
than the queue would. Results carry codes (channel, topic, department); the page labels them.
Deadline states and department performance come from ``hub.reports``."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, literal_column, or_
from sqlmodel import func, select

from hub.auth import Actor
from hub.models import OPEN_STATUSES, Correction, Event, Request, Status, User
from hub.models_callbacks import Callback
from hub.report_filter import ReportFilter

TZ = ZoneInfo("Europe/Istanbul")
OTHER = "_diger"  # the series that sums everything past the top N
CORRECTED_FIELDS = ("topic", "request_type", "mahalle")
# not needs: thanks, and what the classifier or an agent put out of scope
_NOT_A_NEED_TOPICS = ("out_of_scope",)
_NOT_A_NEED_TYPES = ("tesekkur",)
AGE_BUCKETS = ("0-1", "1-3", "3-7", "7+")  # days waiting in the review queue


# -- Istanbul calendar days in SQL ------------------------------------------------------------
def _constant_offset(flt: ReportFilter) -> int | None:
    """Istanbul's UTC offset in seconds when it is the same through the whole range (it is
    +03:00 since September 2016), else None: ranges across an old DST change bucket in Python."""
    offsets = {
        datetime.combine(flt.first_day + timedelta(days=i), time(12), TZ).utcoffset()
        for i in range(-1, flt.days + 1)
    }
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    return int(offset.total_seconds()) if offset is not None else None


def local_day(db: Any, column: Any, flt: ReportFilter) -> Any | None:
    """A SQL expression for the Istanbul calendar day of a stored (naive UTC) timestamp, or None
    when SQLite cannot say it for this range. Constants are literal SQL (a tz name, a fixed
    offset): bound parameters would make PostgreSQL see the SELECT and GROUP BY as different."""
    if not db.is_sqlite:
        return func.date(
            func.timezone(literal_column("'Europe/Istanbul'"), func.timezone(literal_column("'UTC'"), column))
        )
    offset = _constant_offset(flt)
    if offset is None:
        return None
    return func.date(column, literal_column(f"'{offset:+d} seconds'"))


def _day_key(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]


def day_labels(flt: ReportFilter) -> list[str]:
    return [(flt.first_day + timedelta(days=i)).isoformat() for i in range(flt.days)]


# -- intake ------------------------------------------------------------------------------------
def intake_per_day(
    db: Any, flt: ReportFilter, *, actor: Actor | None, by: str = "channel", top: int = 6
) -> dict[str, Any]:
    """Requests received per Istanbul day, one series per channel (``by="channel"``) or topic
    (``by="topic"``): the ``top`` largest, the rest summed as ``OTHER``. Every request counts,
    merged duplicates too: this is what came in, not what was worked on."""
    key = Request.channel if by == "channel" else Request.topic
    counts: Counter[tuple[str, str]] = Counter()
    with db.reader() as session:
        day = local_day(db, Request.received_at, flt)
        if day is not None:
            stmt = flt.apply(select(day, key, func.count()).select_from(Request).group_by(day, key), actor)
            for d, k, n in session.exec(stmt):
                counts[(_day_key(d), k or "")] += n
        else:
            for at, k in session.exec(flt.apply(select(Request.received_at, key), actor)):
                counts[(at.astimezone(TZ).date().isoformat(), k or "")] += 1
    days = day_labels(flt)
    totals: Counter[str] = Counter()
    for (_, k), n in counts.items():
        totals[k] += n
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    keep = ranked if len(ranked) <= top + 1 else ranked[:top]  # never an "other" of one
    index = {d: i for i, d in enumerate(days)}
    series: dict[str, list[int]] = {k: [0] * len(days) for k in keep}
    if len(keep) < len(ranked):
        series[OTHER] = [0] * len(days)
    for (d, k), n in counts.items():
        if d in index:
            series[k if k in keep else OTHER][index[d]] += n
    return {
        "days": days,
        "series": [{"key": k, "values": v, "total": sum(v)} for k, v in series.items()],
        "total": sum(totals.values()),
        "others": [k for k in ranked if k not in keep],
    }


# -- what each mahalle needs ---------------------------------------------------------------------
def mahalle_needs(
    db: Any, flt: ReportFilter, *, actor: Actor | None, limit: int = 50, per: int = 3
) -> dict[str, Any]:
    """Per mahalle ("hangi mahallenin neye ihtiyacı var"), requests received in the range by
    topic, ranked by total; each row keeps its ``per`` largest needs (share of the mahalle's
    total) and the rest as ``other``. Thanks and out-of-scope requests are not needs."""
    stmt = (
        select(Request.ilce, Request.mahalle, Request.topic, func.count())
        .where(
            Request.mahalle.is_not(None), Request.topic.is_not(None), Request.topic.not_in(_NOT_A_NEED_TOPICS),
            Request.status != Status.out_of_scope.value,
            or_(Request.request_type.is_(None), Request.request_type.not_in(_NOT_A_NEED_TYPES)),
        )
        .group_by(Request.ilce, Request.mahalle, Request.topic)
    )  # fmt: skip
    places: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    with db.reader() as session:
        for ilce, mahalle, topic, n in session.exec(flt.apply(stmt, actor)):
            places[(ilce or "", mahalle)][topic] += n
    rows = []
    for (ilce, mahalle), topics in places.items():
        total = sum(topics.values())
        ranked = sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))
        rows.append({
            "ilce": ilce or None, "mahalle": mahalle, "total": total,
            "needs": [{"topic": t, "count": n, "share": n / total} for t, n in ranked[:per]],
            "other": sum(n for _, n in ranked[per:]),
        })  # fmt: skip
    rows.sort(key=lambda r: (-r["total"], r["ilce"] or "", r["mahalle"]))
    return {"rows": rows[:limit], "mahalle_count": len(rows), "total": sum(r["total"] for r in rows)}


# -- agents ----------------------------------------------------------------------------------------
_HANDLED_KINDS = (
    "request.created",
    "request.replied",
    "request.closed",
    "request.first_contact",
    "callback.completed",
)


def agent_workload(db: Any, flt: ReportFilter, *, actor: Actor | None) -> list[dict[str, Any]]:
    """Per staff member, over events in the range on requests the reader may see: ``handled``
    distinct requests they recorded, answered, closed, resolved on first contact or called back;
    ``first_contact`` requests closed on the spot from the knowledge base; ``callbacks`` call-back
    calls made and ``reached`` of them the citizen was reached. Ordered by ``handled``."""
    from hub.actions.knowledge import FCR_EVENT

    people = Event.actor.like("user:%")
    handled = (
        select(Event.actor, func.count(func.distinct(Event.request_id)))
        .select_from(Event)
        .join(Request, Request.id == Event.request_id)
        .where(Event.kind.in_(_HANDLED_KINDS), people)
        .group_by(Event.actor)
    )
    fcr = (
        select(Event.actor, func.count())
        .select_from(Event)
        .join(Request, Request.id == Event.request_id)
        .where(Event.kind == FCR_EVENT, people)
        .group_by(Event.actor)
    )
    reached = case((Callback.outcome == "reached", 1), else_=0)
    calls = (
        select(Callback.done_by, func.count(), func.sum(reached))
        .select_from(Callback)
        .join(Request, Request.id == Callback.request_id)
        .where(Callback.status == "done", Callback.done_by.like("user:%"))
        .group_by(Callback.done_by)
    )
    rows: dict[str, dict[str, Any]] = {}

    def row(who: str) -> dict[str, Any]:
        return rows.setdefault(who, {"actor": who, "name": who, "handled": 0, "first_contact": 0, "callbacks": 0,
                                     "reached": 0})  # fmt: skip

    with db.reader() as session:
        for who, n in session.exec(flt.apply(handled, actor, date_column=Event.created_at)):
            row(who)["handled"] = n
        for who, n in session.exec(flt.apply(fcr, actor, date_column=Event.created_at)):
            row(who)["first_contact"] = n
        for who, n, ok in session.exec(flt.apply(calls, actor, date_column=Callback.done_at)):
            row(who)["callbacks"], row(who)["reached"] = n, int(ok or 0)
        ids = [int(w.split(":", 1)[1]) for w in rows if w.split(":", 1)[1].isdigit()]
        names = (
            dict(session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all())
            if ids
            else {}
        )
    for who, r in rows.items():
        uid = who.split(":", 1)[1]
        r["name"] = names.get(int(uid), who) if uid.isdigit() else who
    return sorted(rows.values(), key=lambda r: (-r["handled"], -r["first_contact"], r["name"]))


# -- review queue and the classifier -----------------------------------------------------------------
def review_queue(
    db: Any, flt: ReportFilter, *, actor: Actor | None, now: datetime | None = None
) -> dict[str, Any]:
    """Open requests waiting for an agent's review now (flagged ``needs_review`` or in that
    status), by how long they have waited and by channel. A snapshot: the date range does not
    apply, the other filters do."""
    now = now or datetime.now(UTC)
    age = case(
        (Request.received_at >= now - timedelta(days=1), AGE_BUCKETS[0]),
        (Request.received_at >= now - timedelta(days=3), AGE_BUCKETS[1]),
        (Request.received_at >= now - timedelta(days=7), AGE_BUCKETS[2]),
        else_=AGE_BUCKETS[3],
    )
    stmt = (
        select(age, Request.channel, func.count())
        .where(
            Request.status.in_([s.value for s in OPEN_STATUSES]), Request.parent_id.is_(None),
            or_(Request.needs_review.is_(True), Request.status == Status.needs_review.value),
        )
        .group_by(age, Request.channel)
    )  # fmt: skip
    by_age = dict.fromkeys(AGE_BUCKETS, 0)
    by_channel: Counter[str] = Counter()
    with db.reader() as session:
        for bucket, channel, n in session.exec(flt.apply(stmt, actor, dated=False)):
            by_age[bucket] += n
            by_channel[channel] += n
    return {"total": sum(by_age.values()), "by_age": by_age,
            "by_channel": dict(sorted(by_channel.items(), key=lambda kv: (-kv[1], kv[0])))}  # fmt: skip


def classifier_accuracy(db: Any, flt: ReportFilter, *, actor: Actor | None, top: int = 10) -> dict[str, Any]:
    """How often the classifier was right on the requests agents corrected in the range.

    Every request with a correction (``Correction``) counts as reviewed. For each field, the
    prediction is the value before the request's first correction of that field and the truth
    the value after its last one; a field the agent did not change counts as right (they saw it
    and left it). ``accuracy`` = right / reviewed per field; ``changes`` are the most frequent
    prediction → truth pairs. Only corrected requests count, so this is a floor, not the model's
    overall accuracy."""
    stmt = (
        select(Correction.request_id, Correction.field_name, Correction.old_value, Correction.new_value)
        .select_from(Correction)
        .join(Request, Request.id == Correction.request_id)
        .order_by(Correction.id)
    )
    first: dict[tuple[int, str], str | None] = {}
    last: dict[tuple[int, str], str | None] = {}
    reviewed: set[int] = set()
    with db.reader() as session:
        for rid, field, old, new in session.exec(flt.apply(stmt, actor, date_column=Correction.created_at)):
            reviewed.add(rid)
            first.setdefault((rid, field), old)
            last[(rid, field)] = new
    wrong: Counter[str] = Counter()
    changes: Counter[tuple[str, str | None, str | None]] = Counter()
    for (rid, field), old in first.items():
        new = last[(rid, field)]
        if (old or None) != (new or None):
            wrong[field] += 1
            changes[(field, old or None, new or None)] += 1
    n = len(reviewed)
    fields = [
        {
            "field": f,
            "reviewed": n,
            "corrected": wrong[f],
            "right": n - wrong[f],
            "accuracy": (n - wrong[f]) / n if n else None,
        }
        for f in CORRECTED_FIELDS
    ]
    ranked = sorted(changes.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or "", kv[0][2] or ""))
    return {
        "reviewed": n,
        "fields": fields,
        "changes": [{"field": f, "before": b, "after": a, "count": c} for (f, b, a), c in ranked[:top]],
    }
