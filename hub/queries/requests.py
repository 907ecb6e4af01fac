"""The request list: filters, saved filters, sorting and cursor paging.

Used by ``GET /api/v1/requests`` (hub.api.requests_api) and the staff queue (hub.ui.queue).
Read-only: it opens reader sessions only. ``q`` is the query string as a dict of strings;
invalid values raise ``ActionError`` naming the field, as the API reports them.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, tuple_

from hub.actions.errors import ActionError
from hub.api.inputs import query_flag, query_int, valid_id
from hub.api.views import SUMMARY_COLUMNS, request_summary
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
    stmt = select(*(FILTER_COLUMNS if q.get("filter_id") else SUMMARY_COLUMNS))
    for key in ("status", "channel", "topic", "department", "ilce", "mahalle", "priority", "request_type"):
        if key in q:
            values = [v for v in q[key].split(",") if v]
            stmt = stmt.where(getattr(Request, key).in_(values))
    stmt = visible_requests(stmt, actor)
    if q.get("tag"):
        stmt = stmt.where(tag_condition(ctx, q["tag"][:100]))
    if "assignee" in q:
        if q["assignee"] in ("none", ""):
            stmt = stmt.where(Request.assignee_id.is_(None))
        elif q["assignee"] == "me":
            stmt = stmt.where(Request.assignee_id == actor.user_id)
        else:
            if not q["assignee"].strip().isdigit():
                raise ActionError("assignee must be a user id, me or none", field="assignee")
            stmt = stmt.where(Request.assignee_id == query_int(q["assignee"], "assignee"))
    if q.get("unreached") in ("1", "true", "yes"):  # the citizen's latest notice or answer went nowhere
        from hub.queries.delivery import citizen_unreached

        stmt = stmt.where(citizen_unreached())
    if query_flag(q.get("overdue"), "overdue"):
        stmt = stmt.where(Request.due_at < utcnow(), is_open())
    if q.get("q"):  # Turkish-insensitive: the folded query against the folded column
        code = tracking_code_query(q["q"])
        stmt = stmt.where(Request.tracking_code == code if code else search_condition(Request.search_text, q["q"]))
    if sort == "newest":
        key_cols = (Request.received_at, Request.id)
        order = [Request.received_at.desc(), Request.id.desc()]
    else:  # requests without a deadline are not in the due list (as before)
        key_cols = (Request.due_at, Request.id)
        order = [Request.due_at.asc(), Request.id.asc()]
        stmt = stmt.where(Request.due_at.is_not(None))
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
        stmt = stmt.where(Request.id.in_(only_ids or [-1]))
    with ctx.db.reader() as session:
        if cond is None:
            rows = list(session.execute(stmt.order_by(*order).limit(limit + 1)))
        else:
            # The saved filter's condition runs in Python over the SQL-narrowed rows,
            # the same compiled condition the rule engine uses.
            from hub.rules import matches

            rows = []
            for r in session.execute(stmt.order_by(*order).limit(FILTER_SCAN)):
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
                total = session.execute(counting).scalar_one()
                if count_cap is not None and total > count_cap:
                    total, capped = count_cap, True
            else:  # a saved filter's condition is checked in Python: count what it keeps
                from hub.rules import matches

                total = sum(1 for r in session.execute(counted.order_by(*order).limit(FILTER_SCAN))
                            if matches(cond, _filter_record(r)))  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        key_value = last.received_at if sort == "newest" else last.due_at
        next_cursor = _encode_cursor([key_value.isoformat(), last.id])
    out = {"items": [request_summary(r) for r in rows], "next_cursor": next_cursor, "total": total}
    if count_cap is not None:
        out["total_capped"] = capped
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
