"""Actions on requests: create, append, assign, forward, reply, close, merge,
update, wait on the citizen. Each writes its Event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy import update as sql_update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from connectors.tracking import format_code
from hub.actions import claims, events, notify, outbox, push
from hub.actions.contacts import NewContact
from hub.actions.errors import ActionError, Conflict, NotFound
from hub.auth import Actor, PermissionDenied, require
from hub.models import (
    FINAL_STATUSES,
    OUTCOMES,
    PRIORITIES,
    REQUEST_TYPES,
    Contact,
    Correction,
    Department,
    Message,
    Outbox,
    Request,
    Status,
    User,
    utcnow,
)

# Which status may follow which. Agents can always reopen a final request.
TRANSITIONS: dict[str, set[str]] = {
    Status.new: {Status.triaged, Status.forwarded, Status.needs_review, Status.in_progress},
    Status.needs_review: {Status.triaged, Status.forwarded, Status.in_progress},
    Status.triaged: {Status.forwarded, Status.in_progress, Status.needs_review},
    Status.forwarded: {Status.in_progress, Status.triaged, Status.needs_review},
    Status.in_progress: {Status.waiting_citizen, Status.forwarded, Status.triaged},
    Status.waiting_citizen: {Status.in_progress},
    Status.answered: {Status.closed, Status.in_progress},
    Status.closed: {Status.in_progress},
    Status.duplicate: {Status.triaged},
    Status.out_of_scope: {Status.triaged},
    Status.rejected: {Status.triaged},
}
for _src in list(TRANSITIONS):
    if _src not in FINAL_STATUSES:
        TRANSITIONS[_src] |= {
            Status.answered, Status.closed, Status.rejected, Status.out_of_scope, Status.duplicate,
            Status.waiting_citizen,
        }  # fmt: skip
        TRANSITIONS[_src].discard(_src)


@dataclass
class NewRequest:
    """Everything ``hub.actions.create.create_requests`` needs for one new request."""

    channel: str
    text: str
    external_id: str
    received_at: datetime
    subject: str | None = None
    request_type: str | None = None
    contact: Contact | NewContact | None = None
    sender: dict[str, Any] = field(default_factory=dict)
    location: dict[str, Any] = field(default_factory=dict)  # il, ilce, mahalle, address, lat, lon, source
    classification: dict[str, Any] = field(default_factory=dict)
    decision: dict[str, Any] | None = None  # routing decision (Decision.to_dict())
    due_at: datetime | None = None
    sla: dict[str, Any] = field(default_factory=dict)  # days, business_days, policy
    rules_version: str | None = None
    reply_to: dict[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None
    email_message_id: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    message_meta: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    parent_id: int | None = None


def tracking_code(prefix: str, received_at: datetime, request_id: int) -> str:
    return format_code(prefix, received_at.year, request_id)


def get(session: Session, actor: Actor, request_id: int, *, for_update: bool = False) -> Request:
    stmt = select(Request).where(Request.id == request_id)
    if for_update and session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    req = session.exec(stmt).first()
    if req is None or not actor.can_see_department(req.department):
        raise NotFound(f"request {request_id} not found")
    return req


def by_code(session: Session, code: str) -> Request | None:
    return session.exec(select(Request).where(Request.tracking_code == code.upper())).first()


def _snapshot(req: Request, fields: list[str]) -> dict[str, Any]:
    return {f: getattr(req, f) for f in fields}


def _set_status(session: Session, actor: Actor, req: Request, new: str, *, reason: str | None = None) -> None:
    old = req.status
    if old == new:
        return
    if new not in TRANSITIONS.get(old, set()):
        raise Conflict(f"status cannot go from {old} to {new}", field="status")
    req.status = new
    req.updated_at = utcnow()
    events.record(session, actor, "request.status", req.id, before=old, after=new, reason=reason)


def append_message(
    session: Session,
    actor: Actor,
    req: Request,
    *,
    channel: str,
    external_id: str,
    text: str,
    subject: str | None = None,
    sender: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    email_message_id: str | None = None,
    conversation_id: str | None = None,
    received_at: datetime | None = None,
    meta: dict[str, Any] | None = None,
    threaded_by: str | None = None,
) -> Message:
    """A follow-up from the citizen (or the department) on an existing request."""
    msg = Message(
        request_id=req.id,
        direction="in",
        channel=channel,
        external_id=external_id,
        email_message_id=email_message_id,
        conversation_id=conversation_id,
        subject=subject,
        body=text,
        sender=events.jsonable(sender or {}),
        attachments=events.jsonable(attachments or []),
        meta=events.jsonable(meta or {}),
        author=actor.id,
        created_at=received_at or utcnow(),
    )
    session.add(msg)
    session.flush()
    req.updated_at = utcnow()
    events.record(session, actor, "message.received", req.id, message_id=msg.id, channel=channel, threaded_by=threaded_by)
    if req.status == Status.waiting_citizen:
        resume_clock(session, actor, req)
        _set_status(session, actor, req, Status.in_progress, reason="citizen answered")
    elif req.status == Status.answered and threaded_by == "conversation":
        # The citizen wrote again after our answer: someone must read it.
        _set_status(session, actor, req, Status.in_progress, reason="citizen wrote after the answer")
    return msg


def assign(session: Session, actor: Actor, req: Request, user_id: int | None) -> Request:
    require(actor, "request.assign")
    claims.ensure_free(session, actor, req)
    if user_id is not None and session.get(User, user_id) is None:
        raise ActionError(f"user {user_id} not found", field="assignee_id")
    before = req.assignee_id
    req.assignee_id = user_id
    req.updated_at = utcnow()
    events.record(session, actor, "request.assigned", req.id, before=before, after=user_id)
    return req


def claim(session: Session, actor: Actor, req: Request, *, lease: float = claims.DEFAULT_LEASE) -> Request:
    """Üstlen: hold the request for ``lease`` seconds (hub.actions.claims); the claimer
    becomes the assignee when nobody is."""
    claims.claim(session, actor, req, lease=lease)
    return req


def forward(
    session: Session,
    actor: Actor,
    req: Request,
    department: str,
    *,
    co_departments: list[str] | None = None,
    note: str | None = None,
    base_url: str = "",
) -> list[int]:
    """Send the request to a department (and inform co-departments). Returns the outbox keys."""
    require(actor, "request.forward")
    claims.ensure_free(session, actor, req)
    dept = session.get(Department, department)
    if dept is None or not dept.active:
        raise ActionError(f"unknown department {department!r}", field="department")
    for co in co_departments or []:
        if session.get(Department, co) is None:
            raise ActionError(f"unknown department {co!r}", field="co_departments")
    before = _snapshot(req, ["department", "co_departments", "status"])
    req.department = department
    req.co_departments = list(co_departments or [])
    if req.status != Status.forwarded:
        _set_status(session, actor, req, Status.forwarded, reason=note)
    req.needs_review = False
    req.return_reason = None  # a department's "bizim değil" is answered by this forward
    departments = {code: session.get(Department, code) for code in [department, *req.co_departments]}
    rows, keys = outbox.forward_rows(
        departments, req.id, department, req.co_departments, note=note, base_url=base_url, now=utcnow()
    )
    # the phone app's Web Push to the department's staff (hub/actions/push.py)
    rows += push.rows_for(session, [(req.id, c, r) for c, r in [(department, "gereği için")]
                                    + [(c, "bilgi için") for c in req.co_departments]], now=utcnow())  # fmt: skip
    if rows:
        session.execute(insert(Outbox.__table__), rows)
    events.record(
        session, actor, "request.forwarded", req.id,
        before=before, department=department, co_departments=req.co_departments, note=note, outbox=keys,
    )  # fmt: skip
    return keys


def reply(
    session: Session,
    actor: Actor,
    req: Request,
    text: str,
    *,
    outcome: str | None = None,
    outcome_reason: str | None = None,
    close: bool = False,
    internal: bool = False,
) -> Message:
    """Answer the citizen on the channel they used (or add an internal note)."""
    require(actor, "request.reply")
    claims.ensure_free(session, actor, req)
    if not text.strip():
        raise ActionError("reply text is empty", field="text")
    if outcome is not None and outcome not in OUTCOMES:
        raise ActionError("outcome must be olumlu or olumsuz", field="outcome")
    ext = f"out:{uuid.uuid4().hex}"
    msg = Message(
        request_id=req.id,
        direction="note" if internal else "out",
        channel=req.channel,
        external_id=ext,
        body=text,
        author=actor.id,
        delivery_status=None if internal else "queued",
    )
    session.add(msg)
    session.flush()
    if internal:
        events.record(session, actor, "request.note", req.id, message_id=msg.id)
        return msg
    outbox.enqueue(
        session,
        kind="reply",
        request_id=req.id,
        message_id=msg.id,
        idempotency_key=f"reply:{msg.id}",
        payload={"channel": req.channel, "reply_to": req.reply_to, "text": text},
        fresh=True,
    )
    notify.muhtar_answered(session, req, text)  # the muhtar's "answered" SMS (hub/actions/notify.py)
    if outcome:
        req.outcome, req.outcome_reason = outcome, outcome_reason
    if req.status not in (Status.answered, Status.closed):
        _set_status(session, actor, req, Status.answered, reason="replied")
    req.answered_at = req.answered_at or utcnow()
    req.needs_review = False
    events.record(session, actor, "request.replied", req.id, message_id=msg.id, outcome=outcome)
    if close:
        close_request(session, actor, req, outcome=outcome or req.outcome, reason=outcome_reason)
    return msg


def close_request(
    session: Session, actor: Actor, req: Request, *, outcome: str | None, reason: str | None = None
) -> Request:
    require(actor, "request.close")
    claims.ensure_free(session, actor, req)
    if outcome is not None and outcome not in OUTCOMES:
        raise ActionError("outcome must be olumlu or olumsuz", field="outcome")
    if outcome is None and req.outcome is None:
        raise ActionError("closing needs an outcome: olumlu or olumsuz", field="outcome")
    req.outcome = outcome or req.outcome
    req.outcome_reason = reason or req.outcome_reason
    req.closed_at = utcnow()
    _set_status(session, actor, req, Status.closed, reason=reason)
    events.record(session, actor, "request.closed", req.id, outcome=req.outcome, reason=req.outcome_reason)
    return req


def merge(session: Session, actor: Actor, req: Request, into: Request) -> Request:
    """Mark ``req`` as a duplicate of ``into``: one cluster, worked once."""
    require(actor, "request.merge")
    claims.ensure_free(session, actor, req)
    if req.id == into.id:
        raise ActionError("a request cannot be merged into itself", field="into")
    root = into
    while root.parent_id is not None:
        root = session.get(Request, root.parent_id) or root
        if root.id == req.id:
            raise ActionError("merging would make a cycle", field="into")
    req.parent_id = root.id
    _set_status(session, actor, req, Status.duplicate, reason=f"duplicate of {root.tracking_code}")
    # Children of the merged request follow it into the cluster.
    for child in session.exec(select(Request).where(Request.parent_id == req.id)):
        child.parent_id = root.id
    events.record(session, actor, "request.merged", req.id, into=root.id, into_code=root.tracking_code)
    events.record(session, actor, "request.cluster_joined", root.id, member=req.id, member_code=req.tracking_code)
    return req


EDITABLE = {
    "subject", "request_type", "topic", "ilce", "mahalle", "address", "priority", "tags", "status",
    "department", "co_departments", "needs_review",
}  # fmt: skip
_CORRECTABLE = {"topic", "request_type", "mahalle"}


def update(session: Session, actor: Actor, req: Request, changes: dict[str, Any], *, masked_text: str = "") -> Request:
    """PATCH: change fields an agent may edit; corrections become training examples."""
    require(actor, "request.update")
    claims.ensure_free(session, actor, req)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ActionError(f"field cannot be changed: {sorted(unknown)[0]}", field=sorted(unknown)[0])
    if actor.role == "department" and set(changes) - {"status", "tags"}:
        raise PermissionDenied("request.update")
    if "priority" in changes and changes["priority"] not in PRIORITIES:
        raise ActionError(f"priority must be one of {', '.join(PRIORITIES)}", field="priority")
    if "request_type" in changes and changes["request_type"] not in REQUEST_TYPES:
        raise ActionError(f"request_type must be one of {', '.join(REQUEST_TYPES)}", field="request_type")
    if "department" in changes and changes["department"] is not None:
        if session.get(Department, changes["department"]) is None:
            raise ActionError(f"unknown department {changes['department']!r}", field="department")
    before = _snapshot(req, [k for k in changes if k != "status"])
    if "status" in changes:
        _set_status(session, actor, req, changes["status"])
    for key, value in changes.items():
        if key == "status":
            continue
        if key in {"tags", "co_departments"}:
            value = sorted(set(value or []))
        setattr(req, key, value)
    if {"ilce", "mahalle"} & set(changes):
        req.location_source = "agent"
    if "subject" in changes:
        from hub.actions.search_index import refresh

        refresh(session, [req])
    req.updated_at = utcnow()
    after = _snapshot(req, list(before))
    changed = events.diff(before, after)
    if changed:
        events.record(session, actor, "request.updated", req.id, changes=changed)
    for key in _CORRECTABLE & set(changed):
        session.add(
            Correction(
                request_id=req.id,
                field_name=key,
                old_value=before.get(key),
                new_value=after.get(key),
                text=masked_text,
                actor=actor.id,
            )
        )
    return req


def wait_on_citizen(session: Session, actor: Actor, req: Request, question: str | None = None) -> Request:
    """Pause the SLA clock while the request waits for the citizen."""
    require(actor, "request.update")
    claims.ensure_free(session, actor, req)
    _set_status(session, actor, req, Status.waiting_citizen, reason=question)
    if req.sla_paused_since is None:
        req.sla_paused_since = utcnow()
    events.record(session, actor, "sla.paused", req.id)
    return req


def resume_clock(session: Session, actor: Actor, req: Request) -> None:
    if req.sla_paused_since is None:
        return
    paused = (utcnow() - req.sla_paused_since).total_seconds()
    req.sla_paused_seconds = (req.sla_paused_seconds or 0.0) + max(0.0, paused)
    if req.due_at is not None:
        req.due_at = req.due_at + timedelta(seconds=max(0.0, paused))
    req.sla_paused_since = None
    events.record(session, actor, "sla.resumed", req.id, paused_seconds=round(paused, 1))


def mark_sla(session: Session, actor: Actor, req: Request, state: str) -> None:
    """SLA worker: warn at 80 %, escalate and raise priority on a breach."""
    now = utcnow()
    if state == "at_risk" and req.sla_warned_at is None:
        if not _set_sla_mark(session, req, "sla_warned_at", sla_warned_at=now):
            return
        events.record(session, actor, "sla.at_risk", req.id, due_at=req.due_at)
        _alert_department(session, req, "süre dolmak üzere", now)
    elif state == "breached" and req.sla_breached_at is None:
        before = req.priority
        order = list(PRIORITIES)
        after = order[min(order.index(req.priority) + 1, len(order) - 1)] if req.priority in order else "high"
        if not _set_sla_mark(session, req, "sla_breached_at", sla_breached_at=now, priority=after):
            return
        events.record(session, actor, "sla.breached", req.id, due_at=req.due_at, priority_before=before, priority_after=req.priority)
        events.record(session, actor, "request.escalated", req.id, to="supervisor", reason="sla_breached")
        _alert_department(session, req, "süre aşıldı", now)


def _set_sla_mark(session: Session, req: Request, mark: str, **values: Any) -> bool:
    """Set an SLA mark only where it is still empty, in one conditional UPDATE. If two SLA
    watchers ever overlap, the second updates no row and writes no event: each is written once."""
    stmt = (
        sql_update(Request)
        .where(Request.id == req.id, getattr(Request, mark).is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if session.exec(stmt).rowcount != 1:
        return False
    for key, value in values.items():  # the row already has them; the ORM must not write them again
        set_committed_value(req, key, value)
    return True


def _alert_department(session: Session, req: Request, role: str, now: datetime) -> None:
    """Tell the department that must act, by its own e-mail / webhook / SMS targets, once per
    reason: a reminder when 80 % of the time has gone, an alert when the deadline has passed."""
    dept = session.get(Department, req.department) if req.department else None
    if dept is None:
        return
    due = req.due_at.astimezone(ZoneInfo("Europe/Istanbul")).strftime("%d.%m.%Y") if req.due_at else "-"
    note = f"Son cevap tarihi {due} idi." if role == "süre aşıldı" else f"Son cevap tarihi {due}."
    rows = outbox.alert_rows({dept.code: dept}, req.id, dept.code, role=role, note=note, base_url="", now=now)
    rows += push.rows_for(session, [(req.id, dept.code, role)], now=now, once=True)  # the phone app's Web Push
    for row in rows:
        outbox.enqueue(session, kind=row["kind"], idempotency_key=row["idempotency_key"],
                       payload=row["payload"], request_id=req.id)  # fmt: skip
