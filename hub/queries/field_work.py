"""The phone app's lists: a department's new work and the requests whose deadline is near,
narrowed by ``hub.queries.scope`` like every other list."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from hub.api.views import sla_state
from hub.auth import Actor
from hub.models import OPEN_STATUSES, Message, Request
from hub.queries.scope import visible_requests

NEW_STATUSES = ("new", "triaged", "forwarded")
DUE_WITHIN = timedelta(days=3)
LIMIT = 50


def _row(req: Request, now: datetime) -> dict[str, Any]:
    return {
        "id": req.id, "tracking_code": req.tracking_code, "topic": req.topic, "status": req.status,
        "mahalle": req.mahalle, "ilce": req.ilce, "subject": req.subject, "priority": req.priority,
        "received_at": req.received_at, "due_at": req.due_at, "sla": sla_state(req, now),
        "text": (req.text or "")[:140],
    }  # fmt: skip


def work_lists(session: Session, actor: Actor, now: datetime) -> dict[str, list[dict[str, Any]]]:
    base = visible_requests(select(Request), actor).where(
        Request.status.in_([s.value for s in OPEN_STATUSES]), Request.parent_id.is_(None)
    )
    new = session.exec(
        base.where(Request.status.in_(NEW_STATUSES)).order_by(Request.received_at.desc()).limit(LIMIT)
    ).all()
    due = session.exec(
        base.where(Request.due_at.is_not(None), Request.due_at <= now + DUE_WITHIN)
        .order_by(Request.due_at)
        .limit(LIMIT)
    ).all()
    return {"new": [_row(r, now) for r in new], "due": [_row(r, now) for r in due]}


def work_item(session: Session, actor: Actor, request_id: int, now: datetime) -> dict[str, Any] | None:
    """One request the actor may see, with its thread (citizen messages, answers, notes)."""
    req = session.exec(visible_requests(select(Request), actor).where(Request.id == request_id)).first()
    if req is None:
        return None
    msgs = session.exec(
        select(Message).where(Message.request_id == req.id).order_by(Message.created_at, Message.id)
    ).all()
    item = _row(req, now)
    item.update(text=req.text or "", address=req.address, erased=req.erased_at is not None)
    item["thread"] = [
        {"direction": m.direction, "body": m.body, "created_at": m.created_at, "author": m.author,
         "attachments": [a for a in (m.attachments or []) if a.get("sha256")]}
        for m in msgs
    ]  # fmt: skip
    return item
