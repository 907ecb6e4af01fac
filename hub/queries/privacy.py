"""Finding a citizen's records and exporting them (KVKK art. 11: the right to learn
what is held about oneself). Read-only; erasing is in hub.actions.privacy."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from hub.actions.events import jsonable
from hub.models import Contact, ContactIdentity, Message, Request
from hub.queries.contacts import merged_family


def contact_record(session: Session, contact: Contact) -> dict[str, Any]:
    """Everything the hub holds about one person, as JSON-ready data."""
    family = [c.id for c in merged_family(session, contact)]  # the contact itself comes first
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
