"""Finding the person behind a phone number, an e-mail, a tracking code or an id.
Read-only; used by intake's contact resolution, the caller history (API, new-request page)
and the KVKK tools."""

from __future__ import annotations

from sqlmodel import Session, col, select

from classifier.text import normalize_phone_tr
from hub.models import Contact, ContactIdentity, Request


def find_contact(
    session: Session, *, contact_id: int | None = None, phone: str | None = None,
    email: str | None = None, tracking_code: str | None = None,
) -> Contact | None:  # fmt: skip
    """The live contact (merges followed) behind one of the given keys, or None."""
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
    return live_contact(session, contact) if contact is not None else None


def live_contact(session: Session, contact: Contact) -> Contact:
    """The contact a merged-away record now points to (the record itself when not merged)."""
    for _ in range(20):  # merges form a short chain; the bound guards against a cycle in bad data
        nxt = session.get(Contact, contact.merged_into_id) if contact.merged_into_id is not None else None
        if nxt is None:
            break
        contact = nxt
    return contact


def merged_family(session: Session, contact: Contact) -> list[Contact]:
    """The contact and every record merged into it, at any depth: one person."""
    found = {contact.id: contact}
    frontier = [contact.id]
    while frontier:
        rows = session.exec(select(Contact).where(col(Contact.merged_into_id).in_(frontier))).all()
        frontier = [c.id for c in rows if c.id not in found]
        found.update({c.id: c for c in rows})
    return list(found.values())
