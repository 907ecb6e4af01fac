"""How stored rows look in the API. Read-only: views never write."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, select

from hub.models import Contact, Event, Message, Outbox, Request, utcnow


def iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def sla_state(req: Any, now: datetime | None = None) -> str | None:
    if req.due_at is None or req.status in ("answered", "closed", "duplicate", "out_of_scope", "rejected"):
        return None
    now = now or utcnow()
    if req.sla_paused_since is not None:
        return "paused"
    if now > req.due_at:
        return "breached"
    total = (req.due_at - req.received_at).total_seconds() + (req.sla_paused_seconds or 0)
    elapsed = (now - req.received_at).total_seconds() - (req.sla_paused_seconds or 0)
    if total > 0 and elapsed / total >= 0.8:
        return "at_risk"
    return "on_time"


# The columns request_summary reads: the queue lists select only these (hub.queries.requests),
# not the routing trace, classification and reply address, which only the request page shows.
SUMMARY_COLUMNS = (
    Request.id, Request.tracking_code, Request.channel, Request.received_at, Request.subject, Request.text,
    Request.request_type, Request.status, Request.topic, Request.topic_confidence, Request.department,
    Request.co_departments, Request.priority, Request.tags, Request.il, Request.ilce, Request.mahalle,
    Request.address, Request.lat, Request.lon, Request.location_source, Request.needs_review, Request.return_reason,
    Request.assignee_id, Request.contact_id, Request.due_at, Request.sla_paused_since, Request.sla_paused_seconds,
    Request.answered_at, Request.closed_at, Request.outcome, Request.outcome_reason, Request.parent_id,
    Request.updated_at,
)  # fmt: skip


def request_summary(req: Any) -> dict[str, Any]:
    """A request as the lists show it; ``req`` is a Request or a row of ``SUMMARY_COLUMNS``."""
    return {
        "id": req.id,
        "tracking_code": req.tracking_code,
        "channel": req.channel,
        "received_at": iso(req.received_at),
        "subject": req.subject,
        "text": req.text,
        "request_type": req.request_type,
        "status": req.status,
        "topic": req.topic,
        "topic_confidence": req.topic_confidence,
        "department": req.department,
        "co_departments": req.co_departments or [],
        "priority": req.priority,
        "tags": req.tags or [],
        "location": {
            "il": req.il, "ilce": req.ilce, "mahalle": req.mahalle, "address": req.address,
            "lat": req.lat, "lon": req.lon, "source": req.location_source,
        },  # fmt: skip
        "needs_review": req.needs_review,
        "return_reason": req.return_reason,
        "assignee_id": req.assignee_id,
        "contact_id": req.contact_id,
        "due_at": iso(req.due_at),
        "sla_state": sla_state(req),
        "answered_at": iso(req.answered_at),
        "closed_at": iso(req.closed_at),
        "outcome": req.outcome,
        "outcome_reason": req.outcome_reason,
        "parent_id": req.parent_id,
        "updated_at": iso(req.updated_at),
    }


def contact_view(c: Contact | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"id": c.id, "name": c.name, "phone": c.phone, "email": c.email, "telegram_id": c.telegram_id,
            "x_handle": c.x_handle, "kind": c.kind, "erased_at": iso(c.erased_at)}  # fmt: skip


# The columns the views below read: not the message's or item's addressing, payload and
# idempotency fields, which no page or API answer shows.
MESSAGE_COLUMNS = (
    Message.id, Message.direction, Message.channel, Message.subject, Message.body, Message.sender,
    Message.attachments, Message.author, Message.delivery_status, Message.created_at,
)  # fmt: skip
EVENT_COLUMNS = (Event.id, Event.actor, Event.kind, Event.data, Event.created_at)
OUTBOX_COLUMNS = (
    Outbox.id, Outbox.kind, Outbox.message_id, Outbox.status, Outbox.attempts, Outbox.result, Outbox.last_error,
    Outbox.next_attempt_at,
)  # fmt: skip
# What request_detail reads of the request besides SUMMARY_COLUMNS (not search_text, a folded
# copy of the text, nor the intake's bookkeeping).
DETAIL_COLUMNS = SUMMARY_COLUMNS + (
    Request.classification, Request.erased_at, Request.routing_trace, Request.rules_version, Request.sla_days,
    Request.sla_business_days, Request.sla_policy, Request.reply_to,
)  # fmt: skip


def message_view(m: Any) -> dict[str, Any]:
    return {
        "id": m.id, "direction": m.direction, "channel": m.channel, "subject": m.subject, "body": m.body,
        "sender": m.sender, "attachments": m.attachments, "author": m.author,
        "delivery_status": m.delivery_status, "created_at": iso(m.created_at),
    }  # fmt: skip


def event_view(e: Any) -> dict[str, Any]:
    return {"id": e.id, "actor": e.actor, "kind": e.kind, "data": e.data, "created_at": iso(e.created_at)}


@lru_cache(maxsize=1)
def _rows_stmts() -> tuple[Any, Any, Any]:
    """Built once (parameter ``rid``): building a select costs more than running it here."""
    rid = bindparam("rid")
    return (
        select(*MESSAGE_COLUMNS).where(Message.request_id == rid).order_by(Message.created_at, Message.id),
        select(*EVENT_COLUMNS).where(Event.request_id == rid).order_by(Event.id),
        select(*OUTBOX_COLUMNS).where(Outbox.request_id == rid).order_by(Outbox.id),
    )


def thread_rows(session: Session, request_id: int) -> list[Any]:
    return list(session.exec(_rows_stmts()[0], params={"rid": request_id}))


def event_rows(session: Session, request_id: int) -> list[Any]:
    return list(session.exec(_rows_stmts()[1], params={"rid": request_id}))


def outbox_rows(session: Session, request_id: int) -> list[Any]:
    return list(session.exec(_rows_stmts()[2], params={"rid": request_id}))


def detail_view(
    session: Session, req: Any, *, contact: Contact | None, thread: list[Any], events: list[Any],
    outbox: list[Any], cluster: list[Any], claim: dict[str, Any] | None,
) -> dict[str, Any]:  # fmt: skip
    """A request in full from rows already read: ``req`` is a Request or a row of
    ``DETAIL_COLUMNS``; ``outbox`` rows of ``OUTBOX_COLUMNS``; ``cluster`` rows with id,
    tracking_code and status of the requests merged into it."""
    out = request_summary(req)
    out["contact"] = contact_view(contact)
    out["thread"] = [message_view(m) for m in thread]
    out["events"] = [event_view(e) for e in events]
    out["classification"] = req.classification or {}
    out["erased_at"] = iso(req.erased_at)  # KVKK erasure: texts and contact data are gone
    from hub.routing_trace import full_trace  # intake stores it compact: rebuilt here, exact

    out["routing"] = {"trace": full_trace(session, req), "rules_version": req.rules_version}
    out["sla"] = {
        "due_at": iso(req.due_at), "state": sla_state(req), "days": req.sla_days,
        "business_days": req.sla_business_days, "policy": req.sla_policy,
        "paused_seconds": req.sla_paused_seconds, "paused_since": iso(req.sla_paused_since),
    }  # fmt: skip
    out["outbox"] = [
        {"id": o.id, "kind": o.kind, "status": o.status, "attempts": o.attempts, "last_error": o.last_error,
         "next_attempt_at": iso(o.next_attempt_at)}
        for o in outbox
    ]  # fmt: skip
    out["cluster"] = [{"id": r.id, "tracking_code": r.tracking_code, "status": r.status} for r in cluster]
    out["claim"] = claim  # who holds it now (Üstlen), or None
    return out


def request_detail(session: Session, req: Request) -> dict[str, Any]:
    from hub.actions.claims import claim_view

    cluster = session.exec(
        select(Request.id, Request.tracking_code, Request.status).where(Request.parent_id == req.id).order_by(Request.id)
    )
    return detail_view(
        session, req, contact=session.get(Contact, req.contact_id) if req.contact_id else None,
        thread=thread_rows(session, req.id), events=event_rows(session, req.id), outbox=outbox_rows(session, req.id),
        cluster=list(cluster), claim=claim_view(session, req.id),
    )  # fmt: skip
