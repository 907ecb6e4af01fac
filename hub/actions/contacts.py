"""Contact resolution and merging: one citizen across channels."""

from __future__ import annotations

from sqlmodel import Session, select

from classifier.text import normalize_phone_tr
from connectors.base import Sender
from hub.actions import events
from hub.actions.errors import ActionError, NotFound
from hub.auth import Actor
from hub.models import Contact, ContactIdentity, Request

# Channels whose sender.external_id is itself a stable identity of the person.
_EXTERNAL_KINDS = {"whatsapp", "facebook", "instagram", "x"}


def identities_for(sender: Sender, channel: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if sender.phone:
        phone = normalize_phone_tr(sender.phone)
        if phone:
            out.append(("phone", phone))
    if sender.email:
        out.append(("email", sender.email.strip().lower()))
    if sender.telegram_id:
        out.append(("telegram", str(sender.telegram_id)))
    if sender.x_handle:
        out.append(("x", sender.x_handle.lstrip("@").lower()))
    if sender.external_id and channel in _EXTERNAL_KINDS:
        out.append((channel + "_id", str(sender.external_id)))
    return out


def _live(session: Session, contact: Contact) -> Contact:
    seen = 0
    while contact.merged_into_id is not None and seen < 20:
        nxt = session.get(Contact, contact.merged_into_id)
        if nxt is None:
            break
        contact, seen = nxt, seen + 1
    return contact


def resolve_contact(session: Session, actor: Actor, sender: Sender, channel: str) -> Contact | None:
    """Find the contact behind any of the sender's identities, or create one.

    Returns None when the sender carries no identity at all (an anonymous form).
    """
    idents = identities_for(sender, channel)
    if not idents and not sender.name:
        return None
    contact: Contact | None = None
    known: set[tuple[str, str]] = set()
    for kind, value in idents:
        row = session.exec(
            select(ContactIdentity).where(ContactIdentity.kind == kind, ContactIdentity.value == value)
        ).first()
        if row is not None:
            known.add((kind, value))
            if contact is None:
                contact = session.get(Contact, row.contact_id)
    if contact is not None:
        contact = _live(session, contact)
    created = contact is None
    if contact is None:
        contact = Contact(name=sender.name, kind=sender.kind or "citizen")
        session.add(contact)
        session.flush()
    _fill(contact, sender, idents)
    for kind, value in idents:
        if (kind, value) not in known:
            session.add(ContactIdentity(contact_id=contact.id, kind=kind, value=value))
    if created:
        events.record(session, actor, "contact.created", None, contact_id=contact.id, channel=channel)
    return contact


def _fill(contact: Contact, sender: Sender, idents: list[tuple[str, str]]) -> None:
    values = dict(idents)
    contact.name = contact.name or sender.name
    contact.phone = contact.phone or values.get("phone")
    contact.email = contact.email or values.get("email")
    contact.telegram_id = contact.telegram_id or values.get("telegram")
    contact.x_handle = contact.x_handle or values.get("x")
    if sender.kind and sender.kind != "citizen":
        contact.kind = sender.kind


def merge_contacts(session: Session, actor: Actor, source_id: int, target_id: int) -> Contact:
    """Fold ``source`` into ``target``: identities and requests move, source stays as a pointer."""
    if source_id == target_id:
        raise ActionError("a contact cannot be merged into itself", field="target_id")
    source, target = session.get(Contact, source_id), session.get(Contact, target_id)
    if source is None or target is None:
        raise NotFound("contact not found")
    target = _live(session, target)
    for ident in session.exec(select(ContactIdentity).where(ContactIdentity.contact_id == source.id)):
        ident.contact_id = target.id
    for req in session.exec(select(Request).where(Request.contact_id == source.id)):
        req.contact_id = target.id
    for attr in ("name", "phone", "email", "telegram_id", "x_handle"):
        if getattr(target, attr) is None:
            setattr(target, attr, getattr(source, attr))
    source.merged_into_id = target.id
    events.record(session, actor, "contact.merged", None, source_id=source.id, target_id=target.id)
    return target
