"""Creating requests, in batches.

The intake pipeline opens every new request through ``create_requests``: one
multi-row INSERT per table for the whole batch (requests, messages, events,
outbox), which is what lets a polled channel or an import of thousands of rows
go at database speed. A single request is a batch of one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from hub.actions import notify, publish
from hub.actions.bulk import bulk_insert
from hub.actions.errors import ActionError
from hub.actions.events import jsonable
from hub.actions.outbox import alert_rows, forward_rows, outbox_row
from hub.actions.push import rows_for as push_rows
from hub.actions.requests import NewRequest, tracking_code
from hub.auth import Actor, require
from hub.models import REQUEST_TYPES, Contact, Event, Message, Outbox, Request, Status, utcnow
from hub.queries.departments import DepartmentInfo, active_departments
from hub.search_text import request_search_text


@dataclass(slots=True)
class Created:
    request_id: int
    message_id: int
    tracking_code: str


def initial_status(new: NewRequest) -> str:
    cls, dec = new.classification or {}, new.decision or {}
    if new.status is not None:
        return new.status
    if cls.get("out_of_scope") and dec.get("needs_review", True):
        return Status.needs_review
    if dec.get("needs_review") or cls.get("needs_review"):
        return Status.needs_review
    if dec.get("department"):
        return Status.triaged
    return Status.new


def request_row(new: NewRequest, status: str) -> dict[str, Any]:
    cls, dec, loc = new.classification or {}, new.decision or {}, new.location or {}
    now = utcnow()
    return {
        "channel": new.channel, "external_id": new.external_id, "received_at": new.received_at,
        "created_at": now, "updated_at": now, "contact_id": new.contact.id if new.contact else None,
        "subject": new.subject, "text": new.text, "request_type": new.request_type or cls.get("type"),
        "il": loc.get("il"), "ilce": loc.get("ilce"), "mahalle": loc.get("mahalle"), "address": loc.get("address"),
        "lat": loc.get("lat"), "lon": loc.get("lon"), "location_source": loc.get("source"),
        "topic": cls.get("topic"), "topic_confidence": cls.get("confidence"), "classification": cls,
        "department": dec.get("department"), "co_departments": list(dec.get("co_departments") or []),
        "priority": new.priority or dec.get("priority") or "normal",
        "tags": sorted(set(new.tags) | set(dec.get("tags") or [])), "status": status,
        "needs_review": status == Status.needs_review, "due_at": new.due_at,
        "sla_days": new.sla.get("days"), "sla_business_days": bool(new.sla.get("business_days")),
        "sla_policy": new.sla.get("policy"), "sla_paused_seconds": 0.0,
        # The classifier's output and the engine's trace are plain JSON already (classifier.plain,
        # hub.rules.stored_trace); walking them again cost more than the rest of the row.
        "routing_trace": dec.get("trace") or {}, "rules_version": new.rules_version,
        "reply_to": jsonable(new.reply_to), "conversation_id": new.conversation_id, "parent_id": new.parent_id,
    }  # fmt: skip


def message_row(request_id: int, new: NewRequest, actor: Actor) -> dict[str, Any]:
    return {
        "request_id": request_id, "direction": "in", "channel": new.channel, "external_id": new.external_id,
        "email_message_id": new.email_message_id, "conversation_id": new.conversation_id,
        "subject": new.subject, "body": new.text, "sender": jsonable(new.sender),
        "attachments": jsonable(new.attachments), "meta": jsonable(new.message_meta), "author": actor.id,
        "created_at": new.received_at,
    }  # fmt: skip


def event_row(actor: Actor, kind: str, request_id: int | None, now: Any, **data: Any) -> dict[str, Any]:
    return {"request_id": request_id, "actor": actor.id, "kind": kind, "data": jsonable(data), "created_at": now}


def allocate_ids(session: Session, model: type, n: int) -> list[int]:
    """Reserve ``n`` primary keys, so rows can be written with their tracking
    codes in one INSERT. PostgreSQL hands them out from the table's sequence;
    on SQLite our transactions hold the write lock from BEGIN, so max(id) is ours."""
    table = model.__table__.name
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(_id_statement(table, "postgresql"), {"n": n})
        return [r[0] for r in rows]
    start = session.execute(_id_statement(table, "sqlite")).scalar_one()
    return list(range(start + 1, start + n + 1))


_ID_STATEMENTS: dict[tuple[str, str], Any] = {}


def _id_statement(table: str, dialect: str) -> Any:
    """Built once per table: intake reserves ids for every request, and building it cost more than running it."""
    stmt = _ID_STATEMENTS.get((table, dialect))
    if stmt is None:
        if dialect == "postgresql":
            sql = f"SELECT nextval(pg_get_serial_sequence('\"{table}\"', 'id')) FROM generate_series(1, :n)"
        else:
            sql = f'SELECT COALESCE(MAX(id), 0) FROM "{table}"'
        stmt = _ID_STATEMENTS[(table, dialect)] = text(sql)
    return stmt


def create_requests(
    session: Session,
    actor: Actor,
    news: list[NewRequest],
    *,
    prefix: str,
    base_url: str = "",
    departments: Mapping[str, DepartmentInfo] | None = None,
    ids: list[int] | None = None,
) -> list[Created]:
    """Open a request for each NewRequest, with its first message, its events and
    its outbox rows (acknowledgement, forwarding), in bulk. ``ids`` are ids the
    caller reserved with ``allocate_ids`` (it needed the tracking codes earlier)."""
    require(actor, "request.create")
    if not news:
        return []
    for new in news:
        if new.request_type and new.request_type not in REQUEST_TYPES:
            raise ActionError(f"unknown request type {new.request_type!r}", field="request_type")
    now = utcnow()
    statuses = [initial_status(n) for n in news]
    ids = ids if ids is not None else allocate_ids(session, Request, len(news))
    msg_ids = allocate_ids(session, Message, len(news))
    codes = [tracking_code(prefix, n.received_at, rid) for n, rid in zip(news, ids, strict=True)]
    if departments is None:
        departments = active_departments(session)
    req_rows, ev, ob = [], [], []
    pushes: list[tuple[int, str, str]] = []  # the phone app's Web Push (hub/actions/push.py)
    for new, rid, code, status in zip(news, ids, codes, statuses, strict=True):
        cls, dec = new.classification or {}, new.decision or {}
        final = status
        ev.append(event_row(actor, "request.created", rid, now, tracking_code=code, channel=new.channel, status=status))
        if cls:
            ev.append(event_row(actor, "request.classified", rid, now, topic=cls.get("topic"),
                                confidence=cls.get("confidence"), type=new.request_type or cls.get("type"),
                                mahalle=(new.location or {}).get("mahalle"), ilce=(new.location or {}).get("ilce"),
                                model=cls.get("model_version")))  # fmt: skip
        if dec:
            ev.append(event_row(actor, "request.routed", rid, now, department=dec.get("department"),
                                rules=dec.get("matched_rules"), fallback=dec.get("fallback"),
                                rules_version=new.rules_version))  # fmt: skip
        if dec.get("escalate_to"):  # a rule asked for someone's attention at once
            ev.append(event_row(actor, "request.escalated", rid, now, to=dec["escalate_to"],
                                reason="rule", rules=dec.get("matched_rules")))  # fmt: skip
            ob.extend(alert_rows(departments, rid, dec["escalate_to"], role="acil bildirim", base_url=base_url, now=now,
                                 note="Uyan kurallar: " + ", ".join(dec.get("matched_rules") or [])))  # fmt: skip
            pushes.append((rid, dec["escalate_to"], "acil bildirim"))
        # Citizens are told at each stage. On a channel that can answer, the rules'
        # auto-reply (which quotes the tracking code) is the "received" notice.
        route = notify.route_for_contact(new.channel, new.reply_to, new.contact)
        notifying = bool(route) and dec.get("notify_citizen", True)
        # ``notify_citizen: false`` (chit-chat, other institutions' work) silences the auto-reply too
        if dec.get("auto_reply") and notifying and route["via"] == "channel":
            ob.append(outbox_row("reply", f"autoreply:{rid}", {"channel": new.channel, "reply_to": jsonable(new.reply_to),
                                                                  "auto": True, "text": dec["auto_reply"]}, rid, now))  # fmt: skip
        elif notifying:
            ob.append(outbox_row("notify", f"notify:{rid}:received", {"stage": "received", "route": route}, rid, now))
        department = dec.get("department")
        if status == Status.triaged and department and dec.get("auto_forward", True) and department in departments:
            co = [c for c in dec.get("co_departments") or [] if c in departments]
            rows, keys = forward_rows(departments, rid, department, co, note=None, base_url=base_url, now=now)
            ob.extend(rows)
            pushes += [(rid, department, "gereği için")] + [(rid, c, "bilgi için") for c in co]
            final = Status.forwarded
            # One event says both: forwarded, and the status it moved the request to.
            ev.append(event_row(actor, "request.forwarded", rid, now, before={"department": department, "status": status},
                                status=final, department=department, co_departments=co, note=None, outbox=keys))  # fmt: skip
            if notifying:
                ob.append(outbox_row("notify", f"notify:{rid}:forwarded", {"stage": "forwarded", "route": route}, rid, now))
        req_rows.append({**request_row(new, final), "id": rid, "tracking_code": code,
                         "search_text": request_search_text(subject=new.subject, text=new.text, tracking_code=code,
                                                            contact=new.contact)})  # fmt: skip
    bulk_insert(session, Request, req_rows)
    bulk_insert(session, Message, [{**message_row(rid, n, actor), "id": mid}
                                   for n, rid, mid in zip(news, ids, msg_ids, strict=True)])  # fmt: skip
    bulk_insert(session, Event, ev)
    publish.mark(session)  # hub.actions.publish: the live queue hears of the new requests
    if pushes:
        ob.extend(push_rows(session, pushes, now=now))
    bulk_insert(session, Outbox, ob)
    return [Created(rid, mid, code) for rid, mid, code in zip(ids, msg_ids, codes, strict=True)]


def contact_of(session: Session, contact_id: int | None) -> Contact | None:
    return session.get(Contact, contact_id) if contact_id else None
