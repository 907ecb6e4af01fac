"""Finding a citizen's records and exporting them (KVKK art. 11: the right to learn
what is held about oneself). Read-only; erasing is in hub.actions.privacy."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from classifier.text import normalize_phone_tr
from hub.actions.events import jsonable
from hub.models import Contact, ContactIdentity, Message, Request


def find_contact(
    session: Session, *, contact_id: int | None = None, phone: str | None = None,
    email: str | None = None, tracking_code: str | None = None,
) -> Contact | None:  # fmt: skip
    """The live contact behind one of: an id, a phone, an e-mail or a tracking code."""
    contact: Contact | None = None
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
    elif tracking_code:
        req = session.exec(select(Request).where(Request.tracking_code == tracking_code.strip().upper())).first()
        contact = session.get(Contact, req.contact_id) if req and req.contact_id else None
    else:
        kind, value = ("phone", normalize_phone_tr(phone or "")) if phone else ("email", (email or "").strip().lower())
        if not value:
            return None
        ident = session.exec(
            select(ContactIdentity).where(ContactIdentity.kind == kind, ContactIdentity.value == value)
        ).first()  # fmt: skip
        contact = session.get(Contact, ident.contact_id) if ident else None
    seen = 0
    while contact is not None and contact.merged_into_id is not None and seen < 20:
        contact, seen = session.get(Contact, contact.merged_into_id), seen + 1
    return contact


def contact_record(session: Session, contact: Contact) -> dict[str, Any]:
    """Everything the hub holds about one person, as JSON-ready data."""
    family = [contact.id]
    frontier = [contact.id]
    while frontier:
        frontier = [c for c in session.exec(select(Contact.id).where(col(Contact.merged_into_id).in_(frontier)))]
        family += frontier
    idents = session.exec(select(ContactIdentity).where(col(ContactIdentity.contact_id).in_(family))).all()
    reqs = session.exec(select(Request).where(col(Request.contact_id).in_(family)).order_by(Request.id)).all()
    msgs = session.exec(
        select(Message).where(col(Message.request_id).in_([r.id for r in reqs])).order_by(Message.id)
    ).all() if reqs else []  # fmt: skip
    by_req: dict[int, list[Message]] = {}
    for m in msgs:
        by_req.setdefault(m.request_id, []).append(m)
    return jsonable({
        "contact": {
            "id": contact.id, "name": contact.name, "phone": contact.phone, "email": contact.email,
            "telegram_id": contact.telegram_id, "x_handle": contact.x_handle, "kind": contact.kind,
            "created_at": contact.created_at, "erased_at": contact.erased_at, "merged_contacts": family[1:],
        },
        "identities": [{"kind": i.kind, "value": i.value} for i in idents],
        "requests": [
            {
                "tracking_code": r.tracking_code, "channel": r.channel, "received_at": r.received_at,
                "status": r.status, "topic": r.topic, "request_type": r.request_type, "ilce": r.ilce,
                "mahalle": r.mahalle, "address": r.address, "subject": r.subject, "text": r.text,
                "department": r.department, "outcome": r.outcome, "erased_at": r.erased_at,
                "messages": [
                    {"direction": m.direction, "channel": m.channel, "created_at": m.created_at,
                     "subject": m.subject, "body": m.body,
                     "attachments": [a.get("filename") for a in m.attachments or [] if a.get("filename")]}
                    for m in by_req.get(r.id, [])  # staff notes too: the officer reviews before handing over
                ],
            }
            for r in reqs
        ],
    })  # fmt: skip
