"""Citizen notifications at each stage (received, forwarded, answered), queued
in the outbox and sent on the citizen's own channel, or by SMS / e-mail."""

from __future__ import annotations

from sqlmodel import Session

from hub.actions import outbox
from hub.actions.contacts import NewContact
from hub.models import Contact, Request

# Channels that can carry a message back to the citizen themselves.
ANSWERABLE = {"email", "telegram", "whatsapp", "facebook", "instagram", "x", "youtube"}
STAGES = ("received", "forwarded", "answered", "closed")


def route_for(session: Session, req: Request) -> dict | None:
    contact = session.get(Contact, req.contact_id) if req.contact_id else None
    return route_for_contact(req.channel, req.reply_to, contact)


def route_for_contact(channel: str, reply_to: dict | None, contact: Contact | NewContact | None) -> dict | None:
    """The citizen's own channel if it can answer, else SMS, else e-mail, else none."""
    if channel in ANSWERABLE and reply_to:
        return {"via": "channel", "channel": channel, "reply_to": reply_to}
    if contact and contact.phone:
        return {"via": "sms", "phone": contact.phone}
    if contact and contact.email:
        return {"via": "email", "email": contact.email}
    return None


def notify(session: Session, req: Request, stage: str, *, extra: dict | None = None, fresh: bool = False) -> bool:
    """Queue a stage notification once per (request, stage). False when no route exists."""
    if req.erased_at is not None:  # KVKK erasure: nobody left to tell, nothing to say
        return False
    route = route_for(session, req)
    if route is None:
        return False
    payload = {"stage": stage, "route": route, **(extra or {})}
    row = outbox.enqueue(
        session, kind="notify", request_id=req.id, idempotency_key=f"notify:{req.id}:{stage}", payload=payload,
        fresh=fresh,
    )
    return row is not None


def muhtar_answered(session: Session, req: Request, text: str) -> bool:
    """A muhtar's own request (channel ``muhtar``) has no channel to answer on: the answer
    shows in his portal, and the "answered" SMS with the tracking code goes to his phone now,
    from the reply itself, not from the worker's status-page path. False for other channels."""
    if req.channel != "muhtar":
        return False
    return notify(session, req, "answered", extra={"answer": text})
