"""Citizen notifications at each stage (received, forwarded, answered), queued
in the outbox and sent on the citizen's own channel, or by SMS / e-mail."""

from __future__ import annotations

from sqlmodel import Session

from hub.actions import outbox
from hub.models import Contact, Request

# Channels that can carry a message back to the citizen themselves.
ANSWERABLE = {"email", "telegram", "whatsapp", "facebook", "instagram", "x"}
STAGES = ("received", "forwarded", "answered", "closed")


def route_for(session: Session, req: Request) -> dict | None:
    if req.channel in ANSWERABLE and req.reply_to:
        return {"via": "channel", "channel": req.channel, "reply_to": req.reply_to}
    contact = session.get(Contact, req.contact_id) if req.contact_id else None
    if contact and contact.phone:
        return {"via": "sms", "phone": contact.phone}
    if contact and contact.email:
        return {"via": "email", "email": contact.email}
    return None


def notify(session: Session, req: Request, stage: str, *, extra: dict | None = None, fresh: bool = False) -> bool:
    """Queue a stage notification once per (request, stage). False when no route exists."""
    route = route_for(session, req)
    if route is None:
        return False
    payload = {"stage": stage, "route": route, **(extra or {})}
    row = outbox.enqueue(
        session, kind="notify", request_id=req.id, idempotency_key=f"notify:{req.id}:{stage}", payload=payload,
        fresh=fresh,
    )
    return row is not None
