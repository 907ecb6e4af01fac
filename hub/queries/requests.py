"""The request list: filters, saved filters, sorting and cursor paging.

Used by ``GET /api/v1/requests`` (hub.api.requests_api) and the staff queue (hub.ui.queue).
Read-only: it opens reader sessions only. ``q`` is the query string as a dict of strings;
invalid values raise ``ActionError`` naming the field, as the API reports them.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import DateTime, bindparam, func, select, tuple_, type_coerce

from hub.actions.errors import ActionError
from hub.api.inputs import query_flag, query_int, valid_id
from hub.api.views import SUMMARY_COLUMNS, sla_state
from hub.auth import Actor
from hub.models import OPEN_STATUSES, Request, utcnow
from hub.queries.scope import visible_filters, visible_requests
from hub.search_text import search_condition, tracking_code_query

MAX_LIMIT = 200
# A saved filter's condition is checked in Python over at most this many SQL-narrowed rows.
FILTER_SCAN = 5000
# What a saved filter's condition reads beside the summary (hub.rules fields): whether the
# classifier found the text out of scope, read from the JSON in SQL, not the whole JSON.
OUT_OF_SCOPE = Request.classification["out_of_scope"].label("out_of_scope")
FILTER_COLUMNS = (*SUMMARY_COLUMNS, OUT_OF_SCOPE)

# The list reads table (Core) columns and runs on the session's connection: its rows are plain
# tuples, with no ORM row processing (at 1M rows that took 1.6-2.4 ms of a 51-row page's
# 4.6-5.2 ms CPU), and turn into the API's dicts in one pass (summaries). The order below is the
# order summaries unpacks; tests check its dicts against hub.api.views.request_summary.
_TABLE = Request.__table__
_C = _TABLE.c  # the list's own conditions are Core too: cheaper to build than ORM attributes'
LIST_COLUMNS = tuple(_C[name] for name in (
    "id", "tracking_code", "channel", "received_at", "subject", "text", "request_type", "status", "topic",
    "topic_confidence", "department", "co_departments", "priority", "tags", "il", "ilce", "mahalle", "address",
    "lat", "lon", "location_source", "needs_review", "return_reason", "assignee_id", "contact_id", "due_at",
    "sla_paused_since", "sla_paused_seconds", "answered_at", "closed_at", "outcome", "outcome_reason",
    "parent_id", "updated_at",
))  # fmt: skip
# The timestamps as the driver reads them (naive UTC): the columns' UTCDateTime type makes two
# Python calls per value, None or not, 300 a page (executing and fetching 51 rows took 0.57 ms
# of CPU with it, 0.33 ms without); summaries makes them aware itself. Built once: a select of 34 columns costs more to build than
# to run again (statements are immutable, so each call's .where() copies these).
_LIST_SELECT = select(*(
    type_coerce(c, DateTime()).label(c.key) if isinstance(getattr(c.type, "impl", None), DateTime) else c
    for c in LIST_COLUMNS
))  # fmt: skip
# A saved filter's condition reads received_at (hub.rules): aware, as everywhere else
_FILTER_SELECT = select(*LIST_COLUMNS, _C.classification["out_of_scope"].label("out_of_scope"))


def _encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        pad = "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(cursor + pad))
        assert isinstance(values, list) and len(values) == 2
        # the id goes into SQL: only a real row id (bool is an int too)
        assert type(values[1]) is int and valid_id(values[1])
        return values
    except Exception:
        raise ActionError("cursor is not valid", field="cursor") from None


# Every query parameter the list understands; anything else is refused (400 naming it), so a
# mistyped filter (?stauts=new) never silently lists everything.
KNOWN_PARAMS = frozenset({
    "status", "channel", "topic", "department", "ilce", "mahalle", "priority", "request_type", "tag",
    "assignee", "unreached", "overdue", "q", "sort", "cursor", "limit", "filter_id", "count",
})  # fmt: skip


def list_requests(
    ctx: Any,
    actor: Actor,
    q: dict[str, str],
    *,
    only_ids: list[int] | None = None,
    count_cap: int | None = None,
) -> dict:
    """``{"items": [request_summary...], "next_cursor": str | None, "total": int | None}``.

    ``ctx`` is the hub (``ctx.db.reader()``); department staff see only their department.
    ``only_ids`` (the live queue, hub.live): list only these of the matching requests; the
    total still counts every match. ``count_cap`` (the staff queue): count at most this many
    matches; past it ``total`` is the cap and the answer's ``total_capped`` is true (an exact
    count of a million rows on every page view costs more than the page).
    """
    unknown = sorted(set(q) - KNOWN_PARAMS)
    if unknown:
        raise ActionError(f"unknown filter: {unknown[0]}", field=unknown[0])
    # an empty parameter (a form's blank field) means its default
    q = {k: v for k, v in q.items() if v != "" or k not in ("sort", "limit", "filter_id", "cursor", "overdue", "count")}
    sort = q.get("sort", "newest")
    if sort not in ("newest", "due"):
        raise ActionError("sort must be newest or due", field="sort")
    limit = query_int(q.get("limit", "50"), "limit", hi=MAX_LIMIT)
    # only what a row shows: the routing trace, classification and reply address are big JSON
    stmt = _FILTER_SELECT if q.get("filter_id") else _LIST_SELECT
    for key in ("status", "channel", "topic", "department", "ilce", "mahalle", "priority", "request_type"):
        if key in q:
            values = [v for v in q[key].split(",") if v]
            stmt = stmt.where(_C[key].in_(values))
    stmt = visible_requests(stmt, actor)
    if q.get("tag"):
        stmt = stmt.where(tag_condition(ctx, q["tag"][:100]))
    if "assignee" in q:
        if q["assignee"] in ("none", ""):
            stmt = stmt.where(_C.assignee_id.is_(None))
        elif q["assignee"] == "me":
            stmt = stmt.where(_C.assignee_id == actor.user_id)
        else:
            if not q["assignee"].strip().isdigit():
                raise ActionError("assignee must be a user id, me or none", field="assignee")
            stmt = stmt.where(_C.assignee_id == query_int(q["assignee"], "assignee"))
    if q.get("unreached") in ("1", "true", "yes"):  # the citizen's latest notice or answer went nowhere
        from hub.queries.delivery import citizen_unreached

        stmt = stmt.where(citizen_unreached())
    if query_flag(q.get("overdue"), "overdue"):
        stmt = stmt.where(_C.due_at < utcnow(), is_open())
    if q.get("q"):  # Turkish-insensitive: the folded query against the folded column
        code = tracking_code_query(q["q"])
        stmt = stmt.where(_C.tracking_code == code if code else search_condition(_C.search_text, q["q"]))
    if sort == "newest":
        key_cols = (_C.received_at, _C.id)
        order = [_C.received_at.desc(), _C.id.desc()]
    else:  # requests without a deadline are not in the due list (as before)
        key_cols = (_C.due_at, _C.id)
        order = [_C.due_at.asc(), _C.id.asc()]
        stmt = stmt.where(_C.due_at.is_not(None))
    counted = stmt  # the total counts the whole list, not only what follows the cursor
    if q.get("cursor"):
        key, last_id = _decode_cursor(q["cursor"])
        try:
            at = datetime.fromisoformat(key)
        except (TypeError, ValueError):
            raise ActionError("cursor is not valid", field="cursor") from None
        # one row-value bound, which an index on (key, id) seeks to, at any depth
        after = tuple_(*key_cols) < (at, last_id) if sort == "newest" else tuple_(*key_cols) > (at, last_id)
        stmt = stmt.where(after)
    cond = None
    if q.get("filter_id"):
        cond = _saved_condition(ctx, actor, q["filter_id"])
    if only_ids is not None:
        stmt = stmt.where(_C.id.in_(only_ids or [-1]))
    with ctx.db.reader() as session:
        # Core rows (LIST_COLUMNS) also when a condition from elsewhere (scope, tags, unreached)
        # names ORM attributes, which would send the statement through the ORM's row loading
        conn = session.connection()
        if cond is None:
            rows = conn.execute(stmt.order_by(*order).limit(limit + 1)).all()
        else:
            # The saved filter's condition runs in Python over the SQL-narrowed rows,
            # the same compiled condition the rule engine uses.
            from hub.rules import matches

            rows = []
            for r in conn.execute(stmt.order_by(*order).limit(FILTER_SCAN)):
                if matches(cond, _filter_record(r)):
                    rows.append(r)
                    if len(rows) > limit:
                        break
        total, capped = None, False
        if query_flag(q.get("count"), "count"):
            if cond is None:
                if count_cap is not None:
                    counted = counted.limit(count_cap + 1)
                counting = select(func.count()).select_from(counted.order_by(None).subquery())
                total = conn.execute(counting).scalar_one()
                if count_cap is not None and total > count_cap:
                    total, capped = count_cap, True
            else:  # a saved filter's condition is checked in Python: count what it keeps
                from hub.rules import matches

                total = sum(1 for r in conn.execute(counted.order_by(*order).limit(FILTER_SCAN))
                            if matches(cond, _filter_record(r)))  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    items = summaries(rows)
    next_cursor = None
    if more and items:
        last = items[-1]
        next_cursor = _encode_cursor([last["received_at"] if sort == "newest" else last["due_at"], last["id"]])
    out = {"items": items, "next_cursor": next_cursor, "total": total}
    if count_cap is not None:
        out["total_capped"] = capped
    return out


class _Sla(NamedTuple):
    """What hub.api.views.sla_state reads of a request."""

    status: str
    received_at: datetime
    due_at: datetime
    sla_paused_since: datetime | None
    sla_paused_seconds: float


def _utc(d: datetime) -> datetime:
    """What the UTCDateTime column type makes of a value read (naive UTC, or aware)."""
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def summaries(rows: list[Any]) -> list[dict[str, Any]]:
    """``request_summary`` of rows of ``LIST_COLUMNS`` (timestamps naive UTC or aware; columns
    past them ignored): the same dicts, built from unpacked tuples, one clock reading a page."""
    now = utcnow()
    out = []
    for r in rows:
        (rid, code, channel, received, subject, text, request_type, status, topic, confidence, department, co,
         priority, tags, il, ilce, mahalle, address, lat, lon, source, review, returned, assignee, contact, due,
         paused_since, paused, answered, closed, outcome, reason, parent, updated) = r[:34]  # fmt: skip
        received = received and _utc(received)
        due = due and _utc(due)
        sla = None
        if due is not None:
            sla = sla_state(_Sla(status, received, due, paused_since and _utc(paused_since), paused), now)
        out.append({
            "id": rid, "tracking_code": code, "channel": channel,
            "received_at": received.isoformat() if received else None, "subject": subject, "text": text,
            "request_type": request_type, "status": status, "topic": topic, "topic_confidence": confidence,
            "department": department, "co_departments": co or [], "priority": priority, "tags": tags or [],
            "location": {"il": il, "ilce": ilce, "mahalle": mahalle, "address": address, "lat": lat, "lon": lon,
                         "source": source},
            "needs_review": review, "return_reason": returned, "assignee_id": assignee, "contact_id": contact,
            "due_at": due.isoformat() if due else None, "sla_state": sla,
            "answered_at": _utc(answered).isoformat() if answered else None,
            "closed_at": _utc(closed).isoformat() if closed else None,
            "outcome": outcome, "outcome_reason": reason, "parent_id": parent,
            "updated_at": _utc(updated).isoformat() if updated else None,
        })  # fmt: skip
    return out


def is_open() -> Any:
    """SQL: the request is not finished. Every status is either open or final (hub.models), so
    this is "not final" written as the open list, inline: PostgreSQL then proves the partial
    indexes on open requests (migration 0006q) and reads a few thousand rows, not a million."""
    values = sorted(s.value for s in OPEN_STATUSES)
    return Request.status.in_(bindparam("open_statuses", values, expanding=True, literal_execute=True))


def _saved_condition(ctx: Any, actor: Actor, raw_id: str) -> Any:
    from hub.models import SavedFilter
    from hub.rules import compile_condition

    fid = query_int(raw_id, "filter_id")
    with ctx.db.reader() as session:
        row = session.exec(visible_filters(session, actor).where(SavedFilter.id == fid)).first()
    if row is None:  # also another department's filter
        raise ActionError("saved filter not found", field="filter_id")
    return compile_condition(row.condition, where="filter")


def _filter_record(r: Any) -> dict:
    """What a saved filter's condition reads of a row selected with ``FILTER_COLUMNS``."""
    return {
        "text": r.text, "subject": r.subject, "channel": r.channel, "request_type": r.request_type,
        "topic": r.topic, "topic_confidence": r.topic_confidence, "ilce": r.ilce, "mahalle": r.mahalle,
        "received_at": r.received_at, "tags": r.tags or [], "priority": r.priority, "status": r.status,
        "department": r.department, "is_duplicate": r.parent_id is not None,
        "out_of_scope": bool(r.out_of_scope),
    }  # fmt: skip


def tag_condition(ctx: Any, tag: str) -> Any:
    """Requests whose ``tags`` (a JSON list) hold ``tag``, on SQLite and PostgreSQL."""
    from sqlalchemy import String, cast, exists, literal_column, text

    if getattr(ctx.db, "is_sqlite", True):
        return exists(
            select(literal_column("1")).select_from(text("json_each(request.tags)")).where(
                literal_column("json_each.value") == tag
            )
        )
    from sqlalchemy.dialects.postgresql import JSONB

    return cast(cast(Request.tags, String), JSONB).contains([tag])
