"""Finding the person behind a phone number, an e-mail, a tracking code or an id.
Read-only; used by the caller history (API, new-request page) and the KVKK tools."""

from __future__ import annotations

from sqlmodel import Session, select

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
    seen = 0
    while contact is not None and contact.merged_into_id is not None and seen < 20:
        contact, seen = session.get(Contact, contact.merged_into_id), seen + 1
    return contact
