"""``GET /api/v1/requests/{id}`` in two SQL statements: the same answer as
``hub.api.views.request_detail(session, hub.actions.requests.get(...))``, which reads the
request, its contact, thread, events, outbox, merged requests and claim in seven.

1. the request's columns that the answer shows, with its contact and its active claim (and
   the claimer's name) joined in;
2. its thread, events, outbox items and merged requests as one ``UNION ALL``, told apart by a
   ``src`` column and put back in each list's own order.

Each statement costs a round trip and SQLAlchemy's per-statement work whatever it returns, and
the ORM's objects cost more again: at 100k requests the call took about 4 ms of CPU (hub and
test client, bench/queue_scale_profile.py --no-profile) before, 1.5-2 ms after. Read-only. The
answer is built by ``hub.api.views.detail_view``, as the request page's is; tests hold it equal
to ``request_detail`` on SQLite and PostgreSQL.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Integer, and_, bindparam, cast, literal_column, null, select, union_all
from sqlmodel import Session

from hub.actions.errors import NotFound
from hub.api.views import detail_view
from hub.auth import Actor
from hub.models import Contact, Event, Message, Outbox, Request, User, utcnow
from hub.models_workspace import RequestClaim

_R = Request.__table__.c
_CONTACT = ("id", "name", "phone", "email", "telegram_id", "x_handle", "kind", "erased_at")
_REQUEST = (
    "id", "tracking_code", "channel", "received_at", "subject", "text", "request_type", "status", "topic",
    "topic_confidence", "department", "co_departments", "priority", "tags", "il", "ilce", "mahalle", "address",
    "lat", "lon", "location_source", "needs_review", "return_reason", "assignee_id", "contact_id", "due_at",
    "sla_paused_since", "sla_paused_seconds", "answered_at", "closed_at", "outcome", "outcome_reason",
    "parent_id", "updated_at", "classification", "erased_at", "routing_trace", "rules_version", "sla_days",
    "sla_business_days", "sla_policy",
)  # fmt: skip


def _request_statement() -> Any:
    c, claim, user = Contact.__table__, RequestClaim.__table__, User.__table__
    # claims_for's inner join of claim and user, outer-joined to the request: a claim counts
    # only with its user, as there
    held = claim.join(user, user.c.id == claim.c.user_id)
    return (
        select(
            *(_R[n] for n in _REQUEST),
            *(c.c[n].label(f"contact__{n}") for n in _CONTACT),
            claim.c.user_id.label("claim__user_id"), user.c.display_name.label("claim__name"),
            claim.c.since.label("claim__since"), claim.c.until.label("claim__until"),
        )  # fmt: skip
        .select_from(
            Request.__table__.outerjoin(c, c.c.id == _R.contact_id).outerjoin(
                held, and_(claim.c.request_id == _R.id, claim.c.until > bindparam("now"))
            )
        )
        .where(_R.id == bindparam("request_id"))
    )


# The four lists in one UNION ALL, one column layout. Column types come from the first
# (message) branch: t is a timestamp (created_at, or an outbox item's next attempt), j1 and j2
# JSON. SQLite orders a compound select by result columns only, hence the k column (the
# thread's created_at; the other lists go by id).
_LAYOUT = ("src", "id", "t", "k", "a", "b", "c", "d", "e", "f", "j1", "j2", "n")
MESSAGE, EVENT, OUTBOX, CLUSTER = 0, 1, 2, 3


def _branch(src: int, table: Any, where: Any, **cols: Any) -> Any:
    # n's NULLs are typed: PostgreSQL takes two untyped NULLs for text, then cannot match an integer
    values = {"src": literal_column(str(src)), "n": cast(null(), Integer), **{k: table.c[v] for k, v in cols.items()}}
    return select(*((values[n] if n in values else null()).label(n) for n in _LAYOUT)).where(where)


def _lists_statement() -> Any:
    m, e, o, r = Message.__table__, Event.__table__, Outbox.__table__, Request.__table__
    request_id = bindparam("request_id")
    return union_all(
        _branch(MESSAGE, m, m.c.request_id == request_id, id="id", t="created_at", k="created_at", a="direction",
                b="channel", c="subject", d="body", e="author", f="delivery_status", j1="sender", j2="attachments"),
        _branch(EVENT, e, e.c.request_id == request_id, id="id", t="created_at", a="actor", b="kind", j1="data"),
        _branch(OUTBOX, o, o.c.request_id == request_id, id="id", t="next_attempt_at", a="kind", b="status",
                c="last_error", n="attempts"),
        _branch(CLUSTER, r, r.c.parent_id == request_id, id="id", a="tracking_code", b="status"),
    ).order_by("src", "k", "id")  # fmt: skip


# Built once, with parameters, not per call (53 columns to coerce and join).
REQUEST = _request_statement()
LISTS = _lists_statement()


def api_request_detail(session: Session, actor: Actor, request_id: int) -> dict[str, Any]:
    """``request_detail`` of the request the actor may see, or ``NotFound`` as
    ``hub.actions.requests.get`` raises it."""
    conn = session.connection()  # Core rows: nothing here needs the ORM's objects
    req = conn.execute(REQUEST, {"request_id": request_id, "now": utcnow()}).first()
    if req is None or not actor.can_see_department(req.department):
        raise NotFound(f"request {request_id} not found")
    lists: tuple[list[Any], ...] = ([], [], [], [])
    for src, rid, t, _k, a, b, c, d, e, f, j1, j2, n in conn.execute(LISTS, {"request_id": request_id}):
        if src == MESSAGE:
            row = SimpleNamespace(id=rid, direction=a, channel=b, subject=c, body=d, sender=j1, attachments=j2,
                                  author=e, delivery_status=f, created_at=t)  # fmt: skip
        elif src == EVENT:
            row = SimpleNamespace(id=rid, actor=a, kind=b, data=j1, created_at=t)
        elif src == OUTBOX:
            row = SimpleNamespace(id=rid, kind=a, status=b, last_error=c, attempts=n, next_attempt_at=t)
        else:
            row = SimpleNamespace(id=rid, tracking_code=a, status=b)
        lists[src].append(row)
    contact = None
    if req.contact_id and req.contact__id is not None:
        contact = SimpleNamespace(**{n: req._mapping[f"contact__{n}"] for n in _CONTACT})
    claim = None
    if req.claim__user_id is not None:  # as hub.actions.claims.claim_view shows it
        claim = {"user_id": req.claim__user_id, "name": req.claim__name, "since": req.claim__since.isoformat(),
                 "until": req.claim__until.isoformat()}  # fmt: skip
    thread, events, outbox, cluster = lists
    return detail_view(session, req, contact=contact, thread=thread, events=events, outbox=outbox,  # type: ignore[arg-type]
                       cluster=cluster, claim=claim)  # fmt: skip
