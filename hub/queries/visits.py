"""Reads for visits: the list, and one visit's report (what was asked, where each request
stands, what became of it)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from hub.auth import Actor
from hub.models import Contact, Message, Request
from hub.models_visits import Visit, VisitRequest


def visits(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    counts = dict(
        session.exec(select(VisitRequest.visit_id, func.count()).group_by(VisitRequest.visit_id)).all()
    )
    rows = session.exec(select(Visit).order_by(col(Visit.held_on).desc(), col(Visit.id).desc()).limit(limit))
    return [{**_visit(v), "requests": counts.get(v.id, 0)} for v in rows]


def _visit(v: Visit) -> dict[str, Any]:
    return {"id": v.id, "kind": v.kind, "held_on": v.held_on, "place": v.place, "ilce": v.ilce,
            "mahalle": v.mahalle, "attendees": v.attendees, "notes": v.notes, "created_by": v.created_by}  # fmt: skip


def report(session: Session, actor: Actor, visit: Visit) -> dict[str, Any]:
    """The visit and its requests in the order they were taken; each with its state and the
    latest answer to the citizen. Department staff see only their department's requests."""
    stmt = (
        select(Request, Contact.name)
        .join(VisitRequest, VisitRequest.request_id == Request.id)
        .outerjoin(Contact, Contact.id == Request.contact_id)
        .where(VisitRequest.visit_id == visit.id)
        .order_by(col(VisitRequest.id))
    )
    items = []
    for req, name in session.exec(stmt):
        if not actor.can_see_department(req.department):
            continue
        answer = session.exec(
            select(Message.body, Message.channel, Message.created_at)
            .where(Message.request_id == req.id, Message.direction == "out")
            .order_by(col(Message.id).desc())
        ).first()
        items.append({
            "id": req.id, "tracking_code": req.tracking_code, "received_at": req.received_at,
            "name": None if req.erased_at else name, "text": req.text, "request_type": req.request_type,
            "topic": req.topic, "ilce": req.ilce, "mahalle": req.mahalle, "department": req.department,
            "status": req.status, "outcome": req.outcome, "due_at": req.due_at, "answered_at": req.answered_at,
            "closed_at": req.closed_at, "answer": answer[0] if answer else None,
            "answer_channel": answer[1] if answer else None,
        })  # fmt: skip
    summary: dict[str, int] = {"toplam": len(items), "acik": 0, "cevaplanan": 0, "kapanan": 0}
    for it in items:
        if it["status"] in ("closed", "duplicate", "out_of_scope", "rejected"):
            summary["kapanan"] += 1
        elif it["status"] == "answered":
            summary["cevaplanan"] += 1
        else:
            summary["acik"] += 1
    return {"visit": _visit(visit), "items": items, "summary": summary}
