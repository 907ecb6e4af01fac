"""Keeping ``Request.search_text`` current when what it folds changes after creation
(the subject is edited, the caller's contact gains a name or phone, contacts merge,
personal data is erased). New requests get theirs in hub.actions.create."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from hub.models import Contact, Request
from hub.search_text import request_search_text


def refresh(session: Session, reqs: Iterable[Request]) -> None:
    contacts: dict[int, Contact | None] = {}
    for r in reqs:
        contact = None
        if r.contact_id is not None:
            if r.contact_id not in contacts:
                contacts[r.contact_id] = session.get(Contact, r.contact_id)
            contact = contacts[r.contact_id]
        value = request_search_text(subject=r.subject, text=r.text, tracking_code=r.tracking_code, contact=contact)
        if value != r.search_text:
            r.search_text = value


def refresh_contact(session: Session, contact_id: int) -> None:
    """Every request of the contact (after its name, phone or e-mail changed)."""
    session.flush()
    refresh(session, session.exec(select(Request).where(Request.contact_id == contact_id)).all())
